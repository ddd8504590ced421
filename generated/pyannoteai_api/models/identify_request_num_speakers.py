from typing import Literal

IdentifyRequestNumSpeakers = Literal[1, 2]

IDENTIFY_REQUEST_NUM_SPEAKERS_VALUES: set[IdentifyRequestNumSpeakers] = {
    1,
    2,
}


def check_identify_request_num_speakers(value: int) -> IdentifyRequestNumSpeakers:
    if value in IDENTIFY_REQUEST_NUM_SPEAKERS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {IDENTIFY_REQUEST_NUM_SPEAKERS_VALUES!r}")
