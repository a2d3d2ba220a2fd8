"""CallPolicy: defaults that follow idempotency, and misconfigurations refused at build time."""

import dataclasses
import math

import grpc
import pytest

from mesh.resilience import DEFAULT_RETRYABLE_CODES, CallPolicy


def policy(**overrides) -> CallPolicy:
    settings = {
        "name": "checkout->payments.GetPaymentIntent",
        "dependency": "payments",
        "timeout": 2.0,
        "idempotent": True,
    }
    return CallPolicy(**(settings | overrides))


def test_retryable_codes_include_deadline_exceeded_when_idempotent():
    assert policy().retryable_codes == DEFAULT_RETRYABLE_CODES | {grpc.StatusCode.DEADLINE_EXCEEDED}


def test_retryable_codes_exclude_deadline_exceeded_when_not_idempotent():
    assert policy(idempotent=False).retryable_codes == DEFAULT_RETRYABLE_CODES


def test_attempt_limit_is_one_when_not_idempotent():
    assert policy(idempotent=False, max_attempts=5).attempt_limit == 1
    assert policy(max_attempts=5).attempt_limit == 5


def test_retryable_codes_given_as_a_set_are_frozen():
    assert policy(retryable_codes={grpc.StatusCode.ABORTED}).retryable_codes == frozenset({grpc.StatusCode.ABORTED})


@pytest.mark.parametrize("timeout", [0.0, -1.0, math.inf, math.nan])
def test_policy_without_a_finite_deadline_is_refused(timeout):
    with pytest.raises(ValueError, match="timeout"):
        policy(timeout=timeout)


def test_hedging_a_non_idempotent_call_is_refused():
    with pytest.raises(ValueError, match="hedging is only for idempotent calls"):
        policy(idempotent=False, hedge_after=0.1)


def test_hedge_after_beyond_timeout_is_refused():
    with pytest.raises(ValueError, match="hedge_after"):
        policy(hedge_after=2.0)


def test_retrying_deadline_exceeded_of_a_non_idempotent_call_is_refused():
    with pytest.raises(ValueError, match="DEADLINE_EXCEEDED"):
        policy(idempotent=False, retryable_codes={grpc.StatusCode.DEADLINE_EXCEEDED})


@pytest.mark.parametrize(
    "overrides",
    [
        {"max_attempts": 0},
        {"backoff_base": 2.0, "backoff_max": 1.0},
        {"backoff_base": -0.1},
        {"name": ""},
        {"dependency": ""},
        {"min_attempt_time": 0.0},
    ],
)
def test_policy_with_impossible_settings_is_refused(overrides):
    with pytest.raises(ValueError):
        policy(**overrides)


def test_policy_is_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy().timeout = 10.0
