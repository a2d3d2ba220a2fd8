"""Reading failed calls: the server's Status survives, RetryInfo is found."""

import datetime

import grpc
from google.rpc import error_details_pb2

from mesh.errors import NO_REASON, Code, common
from mesh.resilience import domain_error_of, retry_delay_of
from tests.fixtures.resilience import rpc_error


def test_domain_error_keeps_the_servers_reason_and_details():
    error = domain_error_of(rpc_error(grpc.StatusCode.NOT_FOUND, common.NOT_FOUND))
    assert error.code is Code.NOT_FOUND
    assert error.reason == common.NOT_FOUND
    assert error.detail(error_details_pb2.ErrorInfo).domain == "commerce.type.v1"


def test_domain_error_without_details_keeps_code_and_message():
    error = domain_error_of(rpc_error(grpc.StatusCode.UNAVAILABLE))
    assert error.code is Code.UNAVAILABLE
    assert error.reason == NO_REASON
    assert str(error) == "fabricated UNAVAILABLE"


def test_retry_delay_is_read_from_retry_info():
    error = rpc_error(
        grpc.StatusCode.RESOURCE_EXHAUSTED, common.RATE_LIMITED, retry_after=datetime.timedelta(milliseconds=1500)
    )
    assert retry_delay_of(error) == 1.5


def test_retry_delay_is_none_without_retry_info():
    assert retry_delay_of(rpc_error(grpc.StatusCode.UNAVAILABLE, common.DEPENDENCY_UNAVAILABLE)) is None
    assert retry_delay_of(ValueError("not an rpc")) is None
