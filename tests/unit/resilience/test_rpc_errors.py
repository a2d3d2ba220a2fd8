"""Reading failed calls: the server's Status survives, RetryInfo is found."""

import datetime

import grpc
from google.rpc import error_details_pb2

from mesh.errors import common
from mesh.resilience import retry_delay_of, status_error_of
from tests.fixtures.resilience import rpc_error


def test_status_error_keeps_the_servers_reason_and_details():
    error = status_error_of(rpc_error(grpc.StatusCode.NOT_FOUND, common.NOT_FOUND))
    assert error.code is grpc.StatusCode.NOT_FOUND
    assert error.reason == "NOT_FOUND"
    assert error.detail(error_details_pb2.ErrorInfo).domain == "commerce.type.v1"


def test_status_error_without_details_keeps_code_and_message():
    error = status_error_of(rpc_error(grpc.StatusCode.UNAVAILABLE))
    assert error.code is grpc.StatusCode.UNAVAILABLE
    assert error.reason is None
    assert str(error) == "fabricated UNAVAILABLE"


def test_retry_delay_is_read_from_retry_info():
    error = rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED, common.RATE_LIMITED,
                      retry_after=datetime.timedelta(milliseconds=1500))
    assert retry_delay_of(error) == 1.5


def test_retry_delay_is_none_without_retry_info():
    assert retry_delay_of(rpc_error(grpc.StatusCode.UNAVAILABLE, common.DEPENDENCY_UNAVAILABLE)) is None
    assert retry_delay_of(ValueError("not an rpc")) is None
