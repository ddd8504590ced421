"""Pickles of results and jobs made before results.py was split into ``_results_*.py`` modules
still load, equal to the same objects built today, and new pickles name only the public module.

A class's module and qualified name go into its pickle: a cache, a shelf or a queue written by an
earlier version must keep loading, and a pickle written now must load in that earlier version, so
every class and function a pickle can name keeps reporting ``pyannoteai_identify.results``. The
bytes below were written by the code of main before the split (Python 3.11, protocols 0 to 5).
"""

from __future__ import annotations

import base64
import copy
import pickle
import typing
from typing import Any

import pytest
from picklekit import modules_named

from pyannoteai_identify import results
from pyannoteai_identify.results import (
    Confidence,
    DiarizationResult,
    IdentifyResult,
    Job,
    JobStatus,
    Segment,
    failed_output,
    parse_job,
)

_OUTPUT: dict[str, Any] = {
    "identification": [
        {
            "speaker": "Ann",
            "diarizationSpeaker": "SPEAKER_00",
            "match": "Ann",
            "start": 0.5,
            "end": 2.0,
            "confidence": {"Ann": 91, "Bo": 12},
        },
        {
            "diarizationSpeaker": "SPEAKER_01",
            "match": None,
            "start": 2.0,
            "end": 3.25,
            "confidence": {"Ann": 3, "Bo": 40},
        },
    ],
    "voiceprints": [{"speaker": "SPEAKER_00", "match": "Ann", "confidence": {"Ann": 91, "Bo": 12}}],
    "diarization": [
        {"speaker": "SPEAKER_00", "start": 0.5, "end": 2.0},
        {"speaker": "SPEAKER_01", "start": 2.0, "end": 3.25},
    ],
    "exclusiveDiarization": [{"speaker": "SPEAKER_00", "start": 0.5, "end": 2.0}],
    "confidence": {"score": [0, 50, 100, 255], "resolution": 0.02},
    "warning": "w",
    "futureKey": {"nested": [1, {"x": 2}]},
}


def _values() -> dict[str, Any]:
    """The objects pickled below, built again by today's code."""
    return {
        "identify": IdentifyResult.from_dict(copy.deepcopy(_OUTPUT)),
        "identify_job": parse_job(
            {
                "jobId": "j1",
                "status": "succeeded",
                "createdAt": "2026-01-02T03:04:05+00:00",
                "output": copy.deepcopy(_OUTPUT),
            },
            "identify",
        ),
        "diarization": DiarizationResult(
            diarization=[Segment("S0", 0.0, 1.5)], confidence=Confidence([0.5, 99.25], 0.5)
        ),
        "voiceprint_job": parse_job(
            {"jobId": "j2", "status": "succeeded", "output": {"voiceprint": "vp=="}}, "voiceprint"
        ),
        "failed_job": parse_job(
            {"jobId": "j3", "status": "failed", "output": {"error": "boom", "identification": []}}, "identify"
        ),
        "failed_output": failed_output("boom", "careful"),
        "unknown_status_job": Job("j4", "paused-in-future", None),
        "status": JobStatus.RUNNING,
    }


#: ``pickle.dumps(_values(), protocol)`` as written before the split, base64-encoded.
_PICKLES_BEFORE_THE_SPLIT = {
    0: (
        "KGRwMApWaWRlbnRpZnkKcDEKY2NvcHlfcmVnCl9yZWNvbnN0cnVjdG9yCnAyCihjcHlhbm5vdGVhaV9pZGVudGlmeS5yZXN1bHRz"
        "CklkZW50aWZ5UmVzdWx0CnAzCmNfX2J1aWx0aW5fXwpvYmplY3QKcDQKTnRwNQpScDYKKE4oZHA3ClZjb25maWRlbmNlCnA4CmNw"
        "eWFubm90ZWFpX2lkZW50aWZ5LnJlc3VsdHMKX3Jlc3RvcmVfY29uZmlkZW5jZQpwOQooY19jb2RlY3MKZW5jb2RlCnAxMAooVlx1"
        "MDAwMDJk/wpwMTEKVmxhdGluMQpwMTIKdHAxMwpScDE0ClZCCnAxNQpGMC4wMgp0cDE2ClJwMTcKc1ZkaWFyaXphdGlvbgpwMTgK"
        "ZzIKKGNweWFubm90ZWFpX2lkZW50aWZ5LnJlc3VsdHMKX1NlZ21lbnRzCnAxOQpnNApOdHAyMApScDIxCihOKGRwMjIKVl9jb2x1"
        "bW5zCnAyMwooKGxwMjQKVlNQRUFLRVJfMDAKcDI1CmFWU1BFQUtFUl8wMQpwMjYKYWNhcnJheQphcnJheQpwMjcKKFZkCnAyOAoo"
        "bHAyOQpGMC41CmFGMi4wCmF0cDMwClJwMzEKZzI3CihnMjgKKGxwMzIKRjIuMAphRjMuMjUKYXRwMzMKUnAzNApOdHAzNQpzdHAz"
        "Ngpic1ZlcnJvcgpwMzcKTnNWZXhjbHVzaXZlX2RpYXJpemF0aW9uCnAzOApnMgooZzE5Cmc0Ck50cDM5ClJwNDAKKE4oZHA0MQpn"
        "MjMKKChscDQyCmcyNQphZzI3CihnMjgKKGxwNDMKRjAuNQphdHA0NApScDQ1CmcyNwooZzI4CihscDQ2CkYyLjAKYXRwNDcKUnA0"
        "OApOdHA0OQpzdHA1MApic1ZleHRyYQpwNTEKY3B5YW5ub3RlYWlfaWRlbnRpZnkucmVzdWx0cwpfUmVhZE9ubHlEaWN0CnA1Mgoo"
        "KGRwNTMKVmZ1dHVyZUtleQpwNTQKKGRwNTUKVm5lc3RlZApwNTYKKGxwNTcKSTEKYShkcDU4ClZ4CnA1OQpJMgpzYXNzdHA2MApS"
        "cDYxCnNWaWRlbnRpZmljYXRpb24KcDYyCmcyCihjcHlhbm5vdGVhaV9pZGVudGlmeS5yZXN1bHRzCl9JZGVudGlmaWNhdGlvbnMK"
        "cDYzCmc0Ck50cDY0ClJwNjUKKE4oZHA2NgpnMjMKKChscDY3ClZBbm4KcDY4CmFnMjYKYWcyNwooZzI4CihscDY5CkYwLjUKYUYy"
        "LjAKYXRwNzAKUnA3MQpnMjcKKGcyOAoobHA3MgpGMi4wCmFGMy4yNQphdHA3MwpScDc0CihscDc1CmcyNQphZzI2CmEobHA3Ngpn"
        "NjgKYU5hKGxwNzcKZzUyCigoZHA3OApnNjgKSTkxCnNWQm8KcDc5CkkxMgpzdHA4MApScDgxCmFnNTIKKChkcDgyCmc2OApJMwpz"
        "Zzc5Ckk0MApzdHA4MwpScDg0CmF0cDg1CnN0cDg2CmJzVnZvaWNlcHJpbnRzCnA4NwooZzIKKGNweWFubm90ZWFpX2lkZW50aWZ5"
        "LnJlc3VsdHMKVm9pY2VwcmludE1hdGNoCnA4OApjX19idWlsdGluX18KdHVwbGUKcDg5CihnMjUKZzY4Cmc1MgooKGRwOTAKZzY4"
        "Ckk5MQpzZzc5CkkxMgpzdHA5MQpScDkyCnRwOTMKdHA5NApScDk1CnRwOTYKc1Z3YXJuaW5nCnA5NwpWdwpwOTgKc3RwOTkKYnNW"
        "aWRlbnRpZnlfam9iCnAxMDAKZzIKKGNweWFubm90ZWFpX2lkZW50aWZ5LnJlc3VsdHMKSm9iCnAxMDEKZzQKTnRwMTAyClJwMTAz"
        "CihOKGRwMTA0ClZjcmVhdGVkX2F0CnAxMDUKY2RhdGV0aW1lCmRhdGV0aW1lCnAxMDYKKGcxMAooVgfqAQIDBAVcdTAwMDBcdTAw"
        "MDBcdTAwMDAKcDEwNwpnMTIKdHAxMDgKUnAxMDkKY2RhdGV0aW1lCnRpbWV6b25lCnAxMTAKKGNkYXRldGltZQp0aW1lZGVsdGEK"
        "cDExMQooSTAKSTAKSTAKdHAxMTIKUnAxMTMKdHAxMTQKUnAxMTUKdHAxMTYKUnAxMTcKc1ZpZApwMTE4ClZqMQpwMTE5CnNWa2lu"
        "ZApwMTIwCmcxCnNWb3V0cHV0CnAxMjEKZzIKKGczCmc0Ck50cDEyMgpScDEyMwooTihkcDEyNApnOApnOQooZzEwCihWXHUwMDAw"
        "MmT/CnAxMjUKZzEyCnRwMTI2ClJwMTI3CmcxNQpGMC4wMgp0cDEyOApScDEyOQpzZzE4CmcyCihnMTkKZzQKTnRwMTMwClJwMTMx"
        "CihOKGRwMTMyCmcyMwooKGxwMTMzCmcyNQphZzI2CmFnMjcKKGcyOAoobHAxMzQKRjAuNQphRjIuMAphdHAxMzUKUnAxMzYKZzI3"
        "CihnMjgKKGxwMTM3CkYyLjAKYUYzLjI1CmF0cDEzOApScDEzOQpOdHAxNDAKc3RwMTQxCmJzZzM3Ck5zZzM4CmcyCihnMTkKZzQK"
        "TnRwMTQyClJwMTQzCihOKGRwMTQ0CmcyMwooKGxwMTQ1CmcyNQphZzI3CihnMjgKKGxwMTQ2CkYwLjUKYXRwMTQ3ClJwMTQ4Cmcy"
        "NwooZzI4CihscDE0OQpGMi4wCmF0cDE1MApScDE1MQpOdHAxNTIKc3RwMTUzCmJzZzUxCmc1MgooKGRwMTU0Cmc1NAooZHAxNTUK"
        "ZzU2CihscDE1NgpJMQphKGRwMTU3Cmc1OQpJMgpzYXNzdHAxNTgKUnAxNTkKc2c2MgpnMgooZzYzCmc0Ck50cDE2MApScDE2MQoo"
        "TihkcDE2MgpnMjMKKChscDE2MwpnNjgKYWcyNgphZzI3CihnMjgKKGxwMTY0CkYwLjUKYUYyLjAKYXRwMTY1ClJwMTY2CmcyNwoo"
        "ZzI4CihscDE2NwpGMi4wCmFGMy4yNQphdHAxNjgKUnAxNjkKKGxwMTcwCmcyNQphZzI2CmEobHAxNzEKZzY4CmFOYShscDE3Mgpn"
        "NTIKKChkcDE3MwpnNjgKSTkxCnNnNzkKSTEyCnN0cDE3NApScDE3NQphZzUyCigoZHAxNzYKZzY4CkkzCnNnNzkKSTQwCnN0cDE3"
        "NwpScDE3OAphdHAxNzkKc3RwMTgwCmJzZzg3CihnMgooZzg4Cmc4OQooZzI1Cmc2OApnNTIKKChkcDE4MQpnNjgKSTkxCnNnNzkK"
        "STEyCnN0cDE4MgpScDE4Mwp0cDE4NAp0cDE4NQpScDE4Ngp0cDE4NwpzZzk3Cmc5OApzdHAxODgKYnNWc3RhdHVzCnAxODkKY3B5"
        "YW5ub3RlYWlfaWRlbnRpZnkucmVzdWx0cwpKb2JTdGF0dXMKcDE5MAooVnN1Y2NlZWRlZApwMTkxCnRwMTkyClJwMTkzCnNWdXBk"
        "YXRlZF9hdApwMTk0Ck5zZzk3Ck5zdHAxOTUKYnNnMTgKZzIKKGNweWFubm90ZWFpX2lkZW50aWZ5LnJlc3VsdHMKRGlhcml6YXRp"
        "b25SZXN1bHQKcDE5NgpnNApOdHAxOTcKUnAxOTgKKE4oZHAxOTkKZzgKZzkKKGcxMAooVlx1MDAwMFx1MDAwMFx1MDAwMFx1MDAw"
        "MFx1MDAwMFx1MDAwMOA/XHUwMDAwXHUwMDAwXHUwMDAwXHUwMDAwXHUwMDAw0FhACnAyMDAKZzEyCnRwMjAxClJwMjAyClZkCnAy"
        "MDMKRjAuNQp0cDIwNApScDIwNQpzZzE4CmcyCihnMTkKZzQKTnRwMjA2ClJwMjA3CihOKGRwMjA4CmcyMwooKGxwMjA5ClZTMApw"
        "MjEwCmFnMjcKKGcyOAoobHAyMTEKRjAuMAphdHAyMTIKUnAyMTMKZzI3CihnMjgKKGxwMjE0CkYxLjUKYXRwMjE1ClJwMjE2Ck50"
        "cDIxNwpzdHAyMTgKYnNnMzcKTnNnMzgKTnNnNTEKZzUyCigoZHAyMTkKdHAyMjAKUnAyMjEKc2c5NwpOc3RwMjIyCmJzVnZvaWNl"
        "cHJpbnRfam9iCnAyMjMKZzIKKGcxMDEKZzQKTnRwMjI0ClJwMjI1CihOKGRwMjI2CmcxMDUKTnNnMTE4ClZqMgpwMjI3CnNnMTIw"
        "ClZ2b2ljZXByaW50CnAyMjgKc2cxMjEKZzIKKGNweWFubm90ZWFpX2lkZW50aWZ5LnJlc3VsdHMKVm9pY2VwcmludFJlc3VsdApw"
        "MjI5Cmc0Ck50cDIzMApScDIzMQooTihkcDIzMgpnMzcKTnNnNTEKZzUyCigoZHAyMzMKdHAyMzQKUnAyMzUKc2cyMjgKVnZwPT0K"
        "cDIzNgpzZzk3Ck5zdHAyMzcKYnNnMTg5CmcxOTMKc2cxOTQKTnNnOTcKTnN0cDIzOApic1ZmYWlsZWRfam9iCnAyMzkKZzIKKGcx"
        "MDEKZzQKTnRwMjQwClJwMjQxCihOKGRwMjQyCmcxMDUKTnNnMTE4ClZqMwpwMjQzCnNnMTIwCmcxCnNnMTIxCmcyCihjcHlhbm5v"
        "dGVhaV9pZGVudGlmeS5yZXN1bHRzCl9Ob3RTdWNjZWVkZWRPdXRwdXQKcDI0NApnNApOdHAyNDUKUnAyNDYKKE4oZHAyNDcKZzgK"
        "TnNnMTgKZzIKKGcxOQpnNApOdHAyNDgKUnAyNDkKKE4oZHAyNTAKZzIzCigobHAyNTEKZzI3CihnMjgKKGxwMjUyCnRwMjUzClJw"
        "MjU0CmcyNwooZzI4CihscDI1NQp0cDI1NgpScDI1NwpOdHAyNTgKc3RwMjU5CmJzZzM3ClZib29tCnAyNjAKc2czOApOc2c1MQpn"
        "NTIKKChkcDI2MQpnNjIKKGxwMjYyCnN0cDI2MwpScDI2NApzZzk3Ck5zdHAyNjUKYnNnMTg5CmcxOTAKKFZmYWlsZWQKcDI2Ngp0"
        "cDI2NwpScDI2OApzZzE5NApOc2c5NwpOc3RwMjY5CmJzVmZhaWxlZF9vdXRwdXQKcDI3MApnMgooZzI0NApnNApOdHAyNzEKUnAy"
        "NzIKKE4oZHAyNzMKZzgKTnNnMTgKZzIKKGcxOQpnNApOdHAyNzQKUnAyNzUKKE4oZHAyNzYKZzIzCigobHAyNzcKZzI3CihnMjgK"
        "KGxwMjc4CnRwMjc5ClJwMjgwCmcyNwooZzI4CihscDI4MQp0cDI4MgpScDI4MwpOdHAyODQKc3RwMjg1CmJzZzM3CmcyNjAKc2cz"
        "OApOc2c1MQpnNTIKKChkcDI4Ngp0cDI4NwpScDI4OApzZzk3ClZjYXJlZnVsCnAyODkKc3RwMjkwCmJzVnVua25vd25fc3RhdHVz"
        "X2pvYgpwMjkxCmcyCihnMTAxCmc0Ck50cDI5MgpScDI5MwooTihkcDI5NApnMTA1Ck5zZzExOApWajQKcDI5NQpzZzEyMApOc2cx"
        "MjEKTnNnMTg5ClZwYXVzZWQtaW4tZnV0dXJlCnAyOTYKc2cxOTQKTnNnOTcKTnN0cDI5Nwpic2cxODkKZzE5MAooVnJ1bm5pbmcK"
        "cDI5OAp0cDI5OQpScDMwMApzLg=="
    ),
    1: (
        "fXEAKFgIAAAAaWRlbnRpZnlxAWNjb3B5X3JlZwpfcmVjb25zdHJ1Y3RvcgpxAihjcHlhbm5vdGVhaV9pZGVudGlmeS5yZXN1bHRz"
        "CklkZW50aWZ5UmVzdWx0CnEDY19fYnVpbHRpbl9fCm9iamVjdApxBE50cQVScQYoTn1xByhYCgAAAGNvbmZpZGVuY2VxCGNweWFu"
        "bm90ZWFpX2lkZW50aWZ5LnJlc3VsdHMKX3Jlc3RvcmVfY29uZmlkZW5jZQpxCShjX2NvZGVjcwplbmNvZGUKcQooWAUAAAAAMmTD"
        "v3ELWAYAAABsYXRpbjFxDHRxDVJxDlgBAAAAQnEPRz+UeuFHrhR7dHEQUnERWAsAAABkaWFyaXphdGlvbnESaAIoY3B5YW5ub3Rl"
        "YWlfaWRlbnRpZnkucmVzdWx0cwpfU2VnbWVudHMKcRNoBE50cRRScRUoTn1xFlgIAAAAX2NvbHVtbnNxFyhdcRgoWAoAAABTUEVB"
        "S0VSXzAwcRlYCgAAAFNQRUFLRVJfMDFxGmVjYXJyYXkKYXJyYXkKcRsoWAEAAABkcRxdcR0oRz/gAAAAAAAAR0AAAAAAAAAAZXRx"
        "HlJxH2gbKGgcXXEgKEdAAAAAAAAAAEdACgAAAAAAAGV0cSFScSJOdHEjc3RxJGJYBQAAAGVycm9ycSVOWBUAAABleGNsdXNpdmVf"
        "ZGlhcml6YXRpb25xJmgCKGgTaAROdHEnUnEoKE59cSloFyhdcSpoGWFoGyhoHF1xK0c/4AAAAAAAAGF0cSxScS1oGyhoHF1xLkdA"
        "AAAAAAAAAGF0cS9ScTBOdHExc3RxMmJYBQAAAGV4dHJhcTNjcHlhbm5vdGVhaV9pZGVudGlmeS5yZXN1bHRzCl9SZWFkT25seURp"
        "Y3QKcTQofXE1WAkAAABmdXR1cmVLZXlxNn1xN1gGAAAAbmVzdGVkcThdcTkoSwF9cTpYAQAAAHhxO0sCc2Vzc3RxPFJxPVgOAAAA"
        "aWRlbnRpZmljYXRpb25xPmgCKGNweWFubm90ZWFpX2lkZW50aWZ5LnJlc3VsdHMKX0lkZW50aWZpY2F0aW9ucwpxP2gETnRxQFJx"
        "QShOfXFCaBcoXXFDKFgDAAAAQW5ucURoGmVoGyhoHF1xRShHP+AAAAAAAABHQAAAAAAAAABldHFGUnFHaBsoaBxdcUgoR0AAAAAA"
        "AAAAR0AKAAAAAAAAZXRxSVJxSl1xSyhoGWgaZV1xTChoRE5lXXFNKGg0KH1xTihoREtbWAIAAABCb3FPSwx1dHFQUnFRaDQofXFS"
        "KGhESwNoT0sodXRxU1JxVGV0cVVzdHFWYlgLAAAAdm9pY2VwcmludHNxVyhoAihjcHlhbm5vdGVhaV9pZGVudGlmeS5yZXN1bHRz"
        "ClZvaWNlcHJpbnRNYXRjaApxWGNfX2J1aWx0aW5fXwp0dXBsZQpxWShoGWhEaDQofXFaKGhES1toT0sMdXRxW1JxXHRxXXRxXlJx"
        "X3RxYFgHAAAAd2FybmluZ3FhWAEAAAB3cWJ1dHFjYlgMAAAAaWRlbnRpZnlfam9icWRoAihjcHlhbm5vdGVhaV9pZGVudGlmeS5y"
        "ZXN1bHRzCkpvYgpxZWgETnRxZlJxZyhOfXFoKFgKAAAAY3JlYXRlZF9hdHFpY2RhdGV0aW1lCmRhdGV0aW1lCnFqKGgKKFgLAAAA"
        "B8OqAQIDBAUAAABxa2gMdHFsUnFtY2RhdGV0aW1lCnRpbWV6b25lCnFuKGNkYXRldGltZQp0aW1lZGVsdGEKcW8oSwBLAEsAdHFw"
        "UnFxdHFyUnFzdHF0UnF1WAIAAABpZHF2WAIAAABqMXF3WAQAAABraW5kcXhoAVgGAAAAb3V0cHV0cXloAihoA2gETnRxelJxeyhO"
        "fXF8KGgIaAkoaAooWAUAAAAAMmTDv3F9aAx0cX5ScX9oD0c/lHrhR64Ue3RxgFJxgWgSaAIoaBNoBE50cYJScYMoTn1xhGgXKF1x"
        "hShoGWgaZWgbKGgcXXGGKEc/4AAAAAAAAEdAAAAAAAAAAGV0cYdScYhoGyhoHF1xiShHQAAAAAAAAABHQAoAAAAAAABldHGKUnGL"
        "TnRxjHN0cY1iaCVOaCZoAihoE2gETnRxjlJxjyhOfXGQaBcoXXGRaBlhaBsoaBxdcZJHP+AAAAAAAABhdHGTUnGUaBsoaBxdcZVH"
        "QAAAAAAAAABhdHGWUnGXTnRxmHN0cZliaDNoNCh9cZpoNn1xm2g4XXGcKEsBfXGdaDtLAnNlc3N0cZ5ScZ9oPmgCKGg/aAROdHGg"
        "UnGhKE59caJoFyhdcaMoaERoGmVoGyhoHF1xpChHP+AAAAAAAABHQAAAAAAAAABldHGlUnGmaBsoaBxdcacoR0AAAAAAAAAAR0AK"
        "AAAAAAAAZXRxqFJxqV1xqihoGWgaZV1xqyhoRE5lXXGsKGg0KH1xrShoREtbaE9LDHV0ca5Sca9oNCh9cbAoaERLA2hPSyh1dHGx"
        "UnGyZXRxs3N0cbRiaFcoaAIoaFhoWShoGWhEaDQofXG1KGhES1toT0sMdXRxtlJxt3RxuHRxuVJxunRxu2hhaGJ1dHG8YlgGAAAA"
        "c3RhdHVzcb1jcHlhbm5vdGVhaV9pZGVudGlmeS5yZXN1bHRzCkpvYlN0YXR1cwpxvihYCQAAAHN1Y2NlZWRlZHG/dHHAUnHBWAoA"
        "AAB1cGRhdGVkX2F0ccJOaGFOdXRxw2JoEmgCKGNweWFubm90ZWFpX2lkZW50aWZ5LnJlc3VsdHMKRGlhcml6YXRpb25SZXN1bHQK"
        "ccRoBE50ccVSccYoTn1xxyhoCGgJKGgKKFgSAAAAAAAAAAAAw6A/AAAAAADDkFhAcchoDHRxyVJxylgBAAAAZHHLRz/gAAAAAAAA"
        "dHHMUnHNaBJoAihoE2gETnRxzlJxzyhOfXHQaBcoXXHRWAIAAABTMHHSYWgbKGgcXXHTRwAAAAAAAAAAYXRx1FJx1WgbKGgcXXHW"
        "Rz/4AAAAAAAAYXRx11Jx2E50cdlzdHHaYmglTmgmTmgzaDQofXHbdHHcUnHdaGFOdXRx3mJYDgAAAHZvaWNlcHJpbnRfam9icd9o"
        "AihoZWgETnRx4FJx4ShOfXHiKGhpTmh2WAIAAABqMnHjaHhYCgAAAHZvaWNlcHJpbnRx5Gh5aAIoY3B5YW5ub3RlYWlfaWRlbnRp"
        "ZnkucmVzdWx0cwpWb2ljZXByaW50UmVzdWx0CnHlaAROdHHmUnHnKE59cegoaCVOaDNoNCh9cel0cepSceto5FgEAAAAdnA9PXHs"
        "aGFOdXRx7WJovWjBaMJOaGFOdXRx7mJYCgAAAGZhaWxlZF9qb2Jx72gCKGhlaAROdHHwUnHxKE59cfIoaGlOaHZYAgAAAGozcfNo"
        "eGgBaHloAihjcHlhbm5vdGVhaV9pZGVudGlmeS5yZXN1bHRzCl9Ob3RTdWNjZWVkZWRPdXRwdXQKcfRoBE50cfVScfYoTn1x9yho"
        "CE5oEmgCKGgTaAROdHH4UnH5KE59cfpoFyhdcftoGyhoHF1x/HRx/VJx/mgbKGgcXXH/dHIAAQAAUnIBAQAATnRyAgEAAHN0cgMB"
        "AABiaCVYBAAAAGJvb21yBAEAAGgmTmgzaDQofXIFAQAAaD5dcgYBAABzdHIHAQAAUnIIAQAAaGFOdXRyCQEAAGJovWi+KFgGAAAA"
        "ZmFpbGVkcgoBAAB0cgsBAABScgwBAABowk5oYU51dHINAQAAYlgNAAAAZmFpbGVkX291dHB1dHIOAQAAaAIoaPRoBE50cg8BAABS"
        "chABAAAoTn1yEQEAAChoCE5oEmgCKGgTaAROdHISAQAAUnITAQAAKE59chQBAABoFyhdchUBAABoGyhoHF1yFgEAAHRyFwEAAFJy"
        "GAEAAGgbKGgcXXIZAQAAdHIaAQAAUnIbAQAATnRyHAEAAHN0ch0BAABiaCVqBAEAAGgmTmgzaDQofXIeAQAAdHIfAQAAUnIgAQAA"
        "aGFYBwAAAGNhcmVmdWxyIQEAAHV0ciIBAABiWBIAAAB1bmtub3duX3N0YXR1c19qb2JyIwEAAGgCKGhlaAROdHIkAQAAUnIlAQAA"
        "KE59ciYBAAAoaGlOaHZYAgAAAGo0cicBAABoeE5oeU5ovVgQAAAAcGF1c2VkLWluLWZ1dHVyZXIoAQAAaMJOaGFOdXRyKQEAAGJo"
        "vWi+KFgHAAAAcnVubmluZ3IqAQAAdHIrAQAAUnIsAQAAdS4="
    ),
    2: (
        "gAJ9cQAoWAgAAABpZGVudGlmeXEBY3B5YW5ub3RlYWlfaWRlbnRpZnkucmVzdWx0cwpJZGVudGlmeVJlc3VsdApxAimBcQNOfXEE"
        "KFgKAAAAY29uZmlkZW5jZXEFY3B5YW5ub3RlYWlfaWRlbnRpZnkucmVzdWx0cwpfcmVzdG9yZV9jb25maWRlbmNlCnEGY19jb2Rl"
        "Y3MKZW5jb2RlCnEHWAUAAAAAMmTDv3EIWAYAAABsYXRpbjFxCYZxClJxC1gBAAAAQnEMRz+UeuFHrhR7h3ENUnEOWAsAAABkaWFy"
        "aXphdGlvbnEPY3B5YW5ub3RlYWlfaWRlbnRpZnkucmVzdWx0cwpfU2VnbWVudHMKcRApgXERTn1xElgIAAAAX2NvbHVtbnNxEyhd"
        "cRQoWAoAAABTUEVBS0VSXzAwcRVYCgAAAFNQRUFLRVJfMDFxFmVjYXJyYXkKYXJyYXkKcRdYAQAAAGRxGF1xGShHP+AAAAAAAABH"
        "QAAAAAAAAABlhnEaUnEbaBdoGF1xHChHQAAAAAAAAABHQAoAAAAAAABlhnEdUnEeTnRxH3OGcSBiWAUAAABlcnJvcnEhTlgVAAAA"
        "ZXhjbHVzaXZlX2RpYXJpemF0aW9ucSJoECmBcSNOfXEkaBMoXXElaBVhaBdoGF1xJkc/4AAAAAAAAGGGcSdScShoF2gYXXEpR0AA"
        "AAAAAAAAYYZxKlJxK050cSxzhnEtYlgFAAAAZXh0cmFxLmNweWFubm90ZWFpX2lkZW50aWZ5LnJlc3VsdHMKX1JlYWRPbmx5RGlj"
        "dApxL31xMFgJAAAAZnV0dXJlS2V5cTF9cTJYBgAAAG5lc3RlZHEzXXE0KEsBfXE1WAEAAAB4cTZLAnNlc3OFcTdScThYDgAAAGlk"
        "ZW50aWZpY2F0aW9ucTljcHlhbm5vdGVhaV9pZGVudGlmeS5yZXN1bHRzCl9JZGVudGlmaWNhdGlvbnMKcTopgXE7Tn1xPGgTKF1x"
        "PShYAwAAAEFubnE+aBZlaBdoGF1xPyhHP+AAAAAAAABHQAAAAAAAAABlhnFAUnFBaBdoGF1xQihHQAAAAAAAAABHQAoAAAAAAABl"
        "hnFDUnFEXXFFKGgVaBZlXXFGKGg+TmVdcUcoaC99cUgoaD5LW1gCAAAAQm9xSUsMdYVxSlJxS2gvfXFMKGg+SwNoSUsodYVxTVJx"
        "TmV0cU9zhnFQYlgLAAAAdm9pY2VwcmludHNxUWNweWFubm90ZWFpX2lkZW50aWZ5LnJlc3VsdHMKVm9pY2VwcmludE1hdGNoCnFS"
        "aBVoPmgvfXFTKGg+S1toSUsMdYVxVFJxVYdxVoFxV4VxWFgHAAAAd2FybmluZ3FZWAEAAAB3cVp1hnFbYlgMAAAAaWRlbnRpZnlf"
        "am9icVxjcHlhbm5vdGVhaV9pZGVudGlmeS5yZXN1bHRzCkpvYgpxXSmBcV5OfXFfKFgKAAAAY3JlYXRlZF9hdHFgY2RhdGV0aW1l"
        "CmRhdGV0aW1lCnFhaAdYCwAAAAfDqgECAwQFAAAAcWJoCYZxY1JxZGNkYXRldGltZQp0aW1lem9uZQpxZWNkYXRldGltZQp0aW1l"
        "ZGVsdGEKcWZLAEsASwCHcWdScWiFcWlScWqGcWtScWxYAgAAAGlkcW1YAgAAAGoxcW5YBAAAAGtpbmRxb2gBWAYAAABvdXRwdXRx"
        "cGgCKYFxcU59cXIoaAVoBmgHWAUAAAAAMmTDv3FzaAmGcXRScXVoDEc/lHrhR64Ue4dxdlJxd2gPaBApgXF4Tn1xeWgTKF1xeiho"
        "FWgWZWgXaBhdcXsoRz/gAAAAAAAAR0AAAAAAAAAAZYZxfFJxfWgXaBhdcX4oR0AAAAAAAAAAR0AKAAAAAAAAZYZxf1JxgE50cYFz"
        "hnGCYmghTmgiaBApgXGDTn1xhGgTKF1xhWgVYWgXaBhdcYZHP+AAAAAAAABhhnGHUnGIaBdoGF1xiUdAAAAAAAAAAGGGcYpScYtO"
        "dHGMc4ZxjWJoLmgvfXGOaDF9cY9oM11xkChLAX1xkWg2SwJzZXNzhXGSUnGTaDloOimBcZROfXGVaBMoXXGWKGg+aBZlaBdoGF1x"
        "lyhHP+AAAAAAAABHQAAAAAAAAABlhnGYUnGZaBdoGF1xmihHQAAAAAAAAABHQAoAAAAAAABlhnGbUnGcXXGdKGgVaBZlXXGeKGg+"
        "TmVdcZ8oaC99caAoaD5LW2hJSwx1hXGhUnGiaC99caMoaD5LA2hJSyh1hXGkUnGlZXRxpnOGcadiaFFoUmgVaD5oL31xqChoPktb"
        "aElLDHWFcalScaqHcauBcayFca1oWWhadYZxrmJYBgAAAHN0YXR1c3GvY3B5YW5ub3RlYWlfaWRlbnRpZnkucmVzdWx0cwpKb2JT"
        "dGF0dXMKcbBYCQAAAHN1Y2NlZWRlZHGxhXGyUnGzWAoAAAB1cGRhdGVkX2F0cbROaFlOdYZxtWJoD2NweWFubm90ZWFpX2lkZW50"
        "aWZ5LnJlc3VsdHMKRGlhcml6YXRpb25SZXN1bHQKcbYpgXG3Tn1xuChoBWgGaAdYEgAAAAAAAAAAAMOgPwAAAAAAw5BYQHG5aAmG"
        "cbpScbtYAQAAAGRxvEc/4AAAAAAAAIdxvVJxvmgPaBApgXG/Tn1xwGgTKF1xwVgCAAAAUzBxwmFoF2gYXXHDRwAAAAAAAAAAYYZx"
        "xFJxxWgXaBhdccZHP/gAAAAAAABhhnHHUnHITnRxyXOGccpiaCFOaCJOaC5oL31xy4VxzFJxzWhZTnWGcc5iWA4AAAB2b2ljZXBy"
        "aW50X2pvYnHPaF0pgXHQTn1x0ShoYE5obVgCAAAAajJx0mhvWAoAAAB2b2ljZXByaW50cdNocGNweWFubm90ZWFpX2lkZW50aWZ5"
        "LnJlc3VsdHMKVm9pY2VwcmludFJlc3VsdApx1CmBcdVOfXHWKGghTmguaC99cdeFcdhScdlo01gEAAAAdnA9PXHaaFlOdYZx22Jo"
        "r2izaLROaFlOdYZx3GJYCgAAAGZhaWxlZF9qb2Jx3WhdKYFx3k59cd8oaGBOaG1YAgAAAGozceBob2gBaHBjcHlhbm5vdGVhaV9p"
        "ZGVudGlmeS5yZXN1bHRzCl9Ob3RTdWNjZWVkZWRPdXRwdXQKceEpgXHiTn1x4yhoBU5oD2gQKYFx5E59ceVoEyhdceZoF2gYXXHn"
        "hnHoUnHpaBdoGF1x6oZx61Jx7E50ce1zhnHuYmghWAQAAABib29tce9oIk5oLmgvfXHwaDldcfFzhXHyUnHzaFlOdYZx9GJor2iw"
        "WAYAAABmYWlsZWRx9YVx9lJx92i0TmhZTnWGcfhiWA0AAABmYWlsZWRfb3V0cHV0cflo4SmBcfpOfXH7KGgFTmgPaBApgXH8Tn1x"
        "/WgTKF1x/mgXaBhdcf+GcgABAABScgEBAABoF2gYXXICAQAAhnIDAQAAUnIEAQAATnRyBQEAAHOGcgYBAABiaCFo72giTmguaC99"
        "cgcBAACFcggBAABScgkBAABoWVgHAAAAY2FyZWZ1bHIKAQAAdYZyCwEAAGJYEgAAAHVua25vd25fc3RhdHVzX2pvYnIMAQAAaF0p"
        "gXINAQAATn1yDgEAAChoYE5obVgCAAAAajRyDwEAAGhvTmhwTmivWBAAAABwYXVzZWQtaW4tZnV0dXJlchABAABotE5oWU51hnIR"
        "AQAAYmivaLBYBwAAAHJ1bm5pbmdyEgEAAIVyEwEAAFJyFAEAAHUu"
    ),
    3: (
        "gAN9cQAoWAgAAABpZGVudGlmeXEBY3B5YW5ub3RlYWlfaWRlbnRpZnkucmVzdWx0cwpJZGVudGlmeVJlc3VsdApxAimBcQNOfXEE"
        "KFgKAAAAY29uZmlkZW5jZXEFY3B5YW5ub3RlYWlfaWRlbnRpZnkucmVzdWx0cwpfcmVzdG9yZV9jb25maWRlbmNlCnEGQwQAMmT/"
        "cQdYAQAAAEJxCEc/lHrhR64Ue4dxCVJxClgLAAAAZGlhcml6YXRpb25xC2NweWFubm90ZWFpX2lkZW50aWZ5LnJlc3VsdHMKX1Nl"
        "Z21lbnRzCnEMKYFxDU59cQ5YCAAAAF9jb2x1bW5zcQ8oXXEQKFgKAAAAU1BFQUtFUl8wMHERWAoAAABTUEVBS0VSXzAxcRJlY2Fy"
        "cmF5Cl9hcnJheV9yZWNvbnN0cnVjdG9yCnETKGNhcnJheQphcnJheQpxFFgBAAAAZHEVSxBDEAAAAAAAAOA/AAAAAAAAAEBxFnRx"
        "F1JxGGgTKGgUaBVLEEMQAAAAAAAAAEAAAAAAAAAKQHEZdHEaUnEbTnRxHHOGcR1iWAUAAABlcnJvcnEeTlgVAAAAZXhjbHVzaXZl"
        "X2RpYXJpemF0aW9ucR9oDCmBcSBOfXEhaA8oXXEiaBFhaBMoaBRoFUsQQwgAAAAAAADgP3EjdHEkUnElaBMoaBRoFUsQQwgAAAAA"
        "AAAAQHEmdHEnUnEoTnRxKXOGcSpiWAUAAABleHRyYXErY3B5YW5ub3RlYWlfaWRlbnRpZnkucmVzdWx0cwpfUmVhZE9ubHlEaWN0"
        "CnEsfXEtWAkAAABmdXR1cmVLZXlxLn1xL1gGAAAAbmVzdGVkcTBdcTEoSwF9cTJYAQAAAHhxM0sCc2Vzc4VxNFJxNVgOAAAAaWRl"
        "bnRpZmljYXRpb25xNmNweWFubm90ZWFpX2lkZW50aWZ5LnJlc3VsdHMKX0lkZW50aWZpY2F0aW9ucwpxNymBcThOfXE5aA8oXXE6"
        "KFgDAAAAQW5ucTtoEmVoEyhoFGgVSxBDEAAAAAAAAOA/AAAAAAAAAEBxPHRxPVJxPmgTKGgUaBVLEEMQAAAAAAAAAEAAAAAAAAAK"
        "QHE/dHFAUnFBXXFCKGgRaBJlXXFDKGg7TmVdcUQoaCx9cUUoaDtLW1gCAAAAQm9xRksMdYVxR1JxSGgsfXFJKGg7SwNoRksodYVx"
        "SlJxS2V0cUxzhnFNYlgLAAAAdm9pY2VwcmludHNxTmNweWFubm90ZWFpX2lkZW50aWZ5LnJlc3VsdHMKVm9pY2VwcmludE1hdGNo"
        "CnFPaBFoO2gsfXFQKGg7S1toRksMdYVxUVJxUodxU4FxVIVxVVgHAAAAd2FybmluZ3FWWAEAAAB3cVd1hnFYYlgMAAAAaWRlbnRp"
        "Znlfam9icVljcHlhbm5vdGVhaV9pZGVudGlmeS5yZXN1bHRzCkpvYgpxWimBcVtOfXFcKFgKAAAAY3JlYXRlZF9hdHFdY2RhdGV0"
        "aW1lCmRhdGV0aW1lCnFeQwoH6gECAwQFAAAAcV9jZGF0ZXRpbWUKdGltZXpvbmUKcWBjZGF0ZXRpbWUKdGltZWRlbHRhCnFhSwBL"
        "AEsAh3FiUnFjhXFkUnFlhnFmUnFnWAIAAABpZHFoWAIAAABqMXFpWAQAAABraW5kcWpoAVgGAAAAb3V0cHV0cWtoAimBcWxOfXFt"
        "KGgFaAZDBAAyZP9xbmgIRz+UeuFHrhR7h3FvUnFwaAtoDCmBcXFOfXFyaA8oXXFzKGgRaBJlaBMoaBRoFUsQQxAAAAAAAADgPwAA"
        "AAAAAABAcXR0cXVScXZoEyhoFGgVSxBDEAAAAAAAAABAAAAAAAAACkBxd3RxeFJxeU50cXpzhnF7YmgeTmgfaAwpgXF8Tn1xfWgP"
        "KF1xfmgRYWgTKGgUaBVLEEMIAAAAAAAA4D9xf3RxgFJxgWgTKGgUaBVLEEMIAAAAAAAAAEBxgnRxg1JxhE50cYVzhnGGYmgraCx9"
        "cYdoLn1xiGgwXXGJKEsBfXGKaDNLAnNlc3OFcYtScYxoNmg3KYFxjU59cY5oDyhdcY8oaDtoEmVoEyhoFGgVSxBDEAAAAAAAAOA/"
        "AAAAAAAAAEBxkHRxkVJxkmgTKGgUaBVLEEMQAAAAAAAAAEAAAAAAAAAKQHGTdHGUUnGVXXGWKGgRaBJlXXGXKGg7TmVdcZgoaCx9"
        "cZkoaDtLW2hGSwx1hXGaUnGbaCx9cZwoaDtLA2hGSyh1hXGdUnGeZXRxn3OGcaBiaE5oT2gRaDtoLH1xoShoO0tbaEZLDHWFcaJS"
        "caOHcaSBcaWFcaZoVmhXdYZxp2JYBgAAAHN0YXR1c3GoY3B5YW5ub3RlYWlfaWRlbnRpZnkucmVzdWx0cwpKb2JTdGF0dXMKcalY"
        "CQAAAHN1Y2NlZWRlZHGqhXGrUnGsWAoAAAB1cGRhdGVkX2F0ca1OaFZOdYZxrmJoC2NweWFubm90ZWFpX2lkZW50aWZ5LnJlc3Vs"
        "dHMKRGlhcml6YXRpb25SZXN1bHQKca8pgXGwTn1xsShoBWgGQxAAAAAAAADgPwAAAAAA0FhAcbJYAQAAAGRxs0c/4AAAAAAAAIdx"
        "tFJxtWgLaAwpgXG2Tn1xt2gPKF1xuFgCAAAAUzBxuWFoEyhoFGgVSxBDCAAAAAAAAAAAcbp0cbtScbxoEyhoFGgVSxBDCAAAAAAA"
        "APg/cb10cb5Scb9OdHHAc4ZxwWJoHk5oH05oK2gsfXHChXHDUnHEaFZOdYZxxWJYDgAAAHZvaWNlcHJpbnRfam9iccZoWimBccdO"
        "fXHIKGhdTmhoWAIAAABqMnHJaGpYCgAAAHZvaWNlcHJpbnRxymhrY3B5YW5ub3RlYWlfaWRlbnRpZnkucmVzdWx0cwpWb2ljZXBy"
        "aW50UmVzdWx0CnHLKYFxzE59cc0oaB5OaCtoLH1xzoVxz1Jx0GjKWAQAAAB2cD09cdFoVk51hnHSYmioaKxorU5oVk51hnHTYlgK"
        "AAAAZmFpbGVkX2pvYnHUaFopgXHVTn1x1ihoXU5oaFgCAAAAajNx12hqaAFoa2NweWFubm90ZWFpX2lkZW50aWZ5LnJlc3VsdHMK"
        "X05vdFN1Y2NlZWRlZE91dHB1dApx2CmBcdlOfXHaKGgFTmgLaAwpgXHbTn1x3GgPKF1x3WgTKGgUaBVLEEMAcd50cd9SceBoEyho"
        "FGgVSxBo3nRx4VJx4k50ceNzhnHkYmgeWAQAAABib29tceVoH05oK2gsfXHmaDZdcedzhXHoUnHpaFZOdYZx6mJoqGipWAYAAABm"
        "YWlsZWRx64Vx7FJx7WitTmhWTnWGce5iWA0AAABmYWlsZWRfb3V0cHV0ce9o2CmBcfBOfXHxKGgFTmgLaAwpgXHyTn1x82gPKF1x"
        "9GgTKGgUaBVLEGjedHH1UnH2aBMoaBRoFUsQaN50cfdScfhOdHH5c4Zx+mJoHmjlaB9OaCtoLH1x+4Vx/FJx/WhWWAcAAABjYXJl"
        "ZnVscf51hnH/YlgSAAAAdW5rbm93bl9zdGF0dXNfam9icgABAABoWimBcgEBAABOfXICAQAAKGhdTmhoWAIAAABqNHIDAQAAaGpO"
        "aGtOaKhYEAAAAHBhdXNlZC1pbi1mdXR1cmVyBAEAAGitTmhWTnWGcgUBAABiaKhoqVgHAAAAcnVubmluZ3IGAQAAhXIHAQAAUnII"
        "AQAAdS4="
    ),
    4: (
        "gASVRQgAAAAAAAB9lCiMCGlkZW50aWZ5lIwbcHlhbm5vdGVhaV9pZGVudGlmeS5yZXN1bHRzlIwOSWRlbnRpZnlSZXN1bHSUk5Qp"
        "gZROfZQojApjb25maWRlbmNllGgCjBNfcmVzdG9yZV9jb25maWRlbmNllJOUQwQAMmT/lIwBQpRHP5R64UeuFHuHlFKUjAtkaWFy"
        "aXphdGlvbpRoAowJX1NlZ21lbnRzlJOUKYGUTn2UjAhfY29sdW1uc5QoXZQojApTUEVBS0VSXzAwlIwKU1BFQUtFUl8wMZRljAVh"
        "cnJheZSMFF9hcnJheV9yZWNvbnN0cnVjdG9ylJOUKIwFYXJyYXmUjAVhcnJheZSTlIwBZJRLEEMQAAAAAAAA4D8AAAAAAAAAQJR0"
        "lFKUaBkoaBxoHUsQQxAAAAAAAAAAQAAAAAAAAApAlHSUUpROdJRzhpRijAVlcnJvcpROjBVleGNsdXNpdmVfZGlhcml6YXRpb26U"
        "aBApgZROfZRoEyhdlGgVYWgZKGgcaB1LEEMIAAAAAAAA4D+UdJRSlGgZKGgcaB1LEEMIAAAAAAAAAECUdJRSlE50lHOGlGKMBWV4"
        "dHJhlGgCjA1fUmVhZE9ubHlEaWN0lJOUfZSMCWZ1dHVyZUtleZR9lIwGbmVzdGVklF2UKEsBfZSMAXiUSwJzZXNzhZRSlIwOaWRl"
        "bnRpZmljYXRpb26UaAKMEF9JZGVudGlmaWNhdGlvbnOUk5QpgZROfZRoEyhdlCiMA0FubpRoFmVoGShoHGgdSxBDEAAAAAAAAOA/"
        "AAAAAAAAAECUdJRSlGgZKGgcaB1LEEMQAAAAAAAAAEAAAAAAAAAKQJR0lFKUXZQoaBVoFmVdlChoRU5lXZQoaDV9lChoRUtbjAJC"
        "b5RLDHWFlFKUaDV9lChoRUsDaFBLKHWFlFKUZXSUc4aUYowLdm9pY2VwcmludHOUaAKMD1ZvaWNlcHJpbnRNYXRjaJSTlGgVaEVo"
        "NX2UKGhFS1toUEsMdYWUUpSHlIGUhZSMB3dhcm5pbmeUjAF3lHWGlGKMDGlkZW50aWZ5X2pvYpRoAowDSm9ilJOUKYGUTn2UKIwK"
        "Y3JlYXRlZF9hdJSMCGRhdGV0aW1llIwIZGF0ZXRpbWWUk5RDCgfqAQIDBAUAAACUaGqMCHRpbWV6b25llJOUaGqMCXRpbWVkZWx0"
        "YZSTlEsASwBLAIeUUpSFlFKUhpRSlIwCaWSUjAJqMZSMBGtpbmSUaAGMBm91dHB1dJRoBCmBlE59lChoB2gJQwQAMmT/lGgLRz+U"
        "euFHrhR7h5RSlGgOaBApgZROfZRoEyhdlChoFWgWZWgZKGgcaB1LEEMQAAAAAAAA4D8AAAAAAAAAQJR0lFKUaBkoaBxoHUsQQxAA"
        "AAAAAAAAQAAAAAAAAApAlHSUUpROdJRzhpRiaCZOaCdoECmBlE59lGgTKF2UaBVhaBkoaBxoHUsQQwgAAAAAAADgP5R0lFKUaBko"
        "aBxoHUsQQwgAAAAAAAAAQJR0lFKUTnSUc4aUYmgzaDV9lGg3fZRoOV2UKEsBfZRoPEsCc2Vzc4WUUpRoP2hBKYGUTn2UaBMoXZQo"
        "aEVoFmVoGShoHGgdSxBDEAAAAAAAAOA/AAAAAAAAAECUdJRSlGgZKGgcaB1LEEMQAAAAAAAAAEAAAAAAAAAKQJR0lFKUXZQoaBVo"
        "FmVdlChoRU5lXZQoaDV9lChoRUtbaFBLDHWFlFKUaDV9lChoRUsDaFBLKHWFlFKUZXSUc4aUYmhYaFpoFWhFaDV9lChoRUtbaFBL"
        "DHWFlFKUh5SBlIWUaGFoYnWGlGKMBnN0YXR1c5RoAowJSm9iU3RhdHVzlJOUjAlzdWNjZWVkZWSUhZRSlIwKdXBkYXRlZF9hdJRO"
        "aGFOdYaUYmgOaAKMEURpYXJpemF0aW9uUmVzdWx0lJOUKYGUTn2UKGgHaAlDEAAAAAAAAOA/AAAAAADQWECUjAFklEc/4AAAAAAA"
        "AIeUUpRoDmgQKYGUTn2UaBMoXZSMAlMwlGFoGShoHGgdSxBDCAAAAAAAAAAAlHSUUpRoGShoHGgdSxBDCAAAAAAAAPg/lHSUUpRO"
        "dJRzhpRiaCZOaCdOaDNoNX2UhZRSlGhhTnWGlGKMDnZvaWNlcHJpbnRfam9ilGhmKYGUTn2UKGhpTmh4jAJqMpRoeowKdm9pY2Vw"
        "cmludJRoe2gCjBBWb2ljZXByaW50UmVzdWx0lJOUKYGUTn2UKGgmTmgzaDV9lIWUUpRo3IwEdnA9PZRoYU51hpRiaLhovWi+Tmhh"
        "TnWGlGKMCmZhaWxlZF9qb2KUaGYpgZROfZQoaGlOaHiMAmozlGh6aAFoe2gCjBNfTm90U3VjY2VlZGVkT3V0cHV0lJOUKYGUTn2U"
        "KGgHTmgOaBApgZROfZRoEyhdlGgZKGgcaB1LEEMAlHSUUpRoGShoHGgdSxBo8nSUUpROdJRzhpRiaCaMBGJvb22UaCdOaDNoNX2U"
        "aD9dlHOFlFKUaGFOdYaUYmi4aLqMBmZhaWxlZJSFlFKUaL5OaGFOdYaUYowNZmFpbGVkX291dHB1dJRo7CmBlE59lChoB05oDmgQ"
        "KYGUTn2UaBMoXZRoGShoHGgdSxBo8nSUUpRoGShoHGgdSxBo8nSUUpROdJRzhpRiaCZo+WgnTmgzaDV9lIWUUpRoYYwHY2FyZWZ1"
        "bJR1hpRijBJ1bmtub3duX3N0YXR1c19qb2KUaGYpgZROfZQoaGlOaHiMAmo0lGh6Tmh7Tmi4jBBwYXVzZWQtaW4tZnV0dXJllGi+"
        "TmhhTnWGlGJouGi6jAdydW5uaW5nlIWUUpR1Lg=="
    ),
    5: (
        "gAWVRQgAAAAAAAB9lCiMCGlkZW50aWZ5lIwbcHlhbm5vdGVhaV9pZGVudGlmeS5yZXN1bHRzlIwOSWRlbnRpZnlSZXN1bHSUk5Qp"
        "gZROfZQojApjb25maWRlbmNllGgCjBNfcmVzdG9yZV9jb25maWRlbmNllJOUQwQAMmT/lIwBQpRHP5R64UeuFHuHlFKUjAtkaWFy"
        "aXphdGlvbpRoAowJX1NlZ21lbnRzlJOUKYGUTn2UjAhfY29sdW1uc5QoXZQojApTUEVBS0VSXzAwlIwKU1BFQUtFUl8wMZRljAVh"
        "cnJheZSMFF9hcnJheV9yZWNvbnN0cnVjdG9ylJOUKIwFYXJyYXmUjAVhcnJheZSTlIwBZJRLEEMQAAAAAAAA4D8AAAAAAAAAQJR0"
        "lFKUaBkoaBxoHUsQQxAAAAAAAAAAQAAAAAAAAApAlHSUUpROdJRzhpRijAVlcnJvcpROjBVleGNsdXNpdmVfZGlhcml6YXRpb26U"
        "aBApgZROfZRoEyhdlGgVYWgZKGgcaB1LEEMIAAAAAAAA4D+UdJRSlGgZKGgcaB1LEEMIAAAAAAAAAECUdJRSlE50lHOGlGKMBWV4"
        "dHJhlGgCjA1fUmVhZE9ubHlEaWN0lJOUfZSMCWZ1dHVyZUtleZR9lIwGbmVzdGVklF2UKEsBfZSMAXiUSwJzZXNzhZRSlIwOaWRl"
        "bnRpZmljYXRpb26UaAKMEF9JZGVudGlmaWNhdGlvbnOUk5QpgZROfZRoEyhdlCiMA0FubpRoFmVoGShoHGgdSxBDEAAAAAAAAOA/"
        "AAAAAAAAAECUdJRSlGgZKGgcaB1LEEMQAAAAAAAAAEAAAAAAAAAKQJR0lFKUXZQoaBVoFmVdlChoRU5lXZQoaDV9lChoRUtbjAJC"
        "b5RLDHWFlFKUaDV9lChoRUsDaFBLKHWFlFKUZXSUc4aUYowLdm9pY2VwcmludHOUaAKMD1ZvaWNlcHJpbnRNYXRjaJSTlGgVaEVo"
        "NX2UKGhFS1toUEsMdYWUUpSHlIGUhZSMB3dhcm5pbmeUjAF3lHWGlGKMDGlkZW50aWZ5X2pvYpRoAowDSm9ilJOUKYGUTn2UKIwK"
        "Y3JlYXRlZF9hdJSMCGRhdGV0aW1llIwIZGF0ZXRpbWWUk5RDCgfqAQIDBAUAAACUaGqMCHRpbWV6b25llJOUaGqMCXRpbWVkZWx0"
        "YZSTlEsASwBLAIeUUpSFlFKUhpRSlIwCaWSUjAJqMZSMBGtpbmSUaAGMBm91dHB1dJRoBCmBlE59lChoB2gJQwQAMmT/lGgLRz+U"
        "euFHrhR7h5RSlGgOaBApgZROfZRoEyhdlChoFWgWZWgZKGgcaB1LEEMQAAAAAAAA4D8AAAAAAAAAQJR0lFKUaBkoaBxoHUsQQxAA"
        "AAAAAAAAQAAAAAAAAApAlHSUUpROdJRzhpRiaCZOaCdoECmBlE59lGgTKF2UaBVhaBkoaBxoHUsQQwgAAAAAAADgP5R0lFKUaBko"
        "aBxoHUsQQwgAAAAAAAAAQJR0lFKUTnSUc4aUYmgzaDV9lGg3fZRoOV2UKEsBfZRoPEsCc2Vzc4WUUpRoP2hBKYGUTn2UaBMoXZQo"
        "aEVoFmVoGShoHGgdSxBDEAAAAAAAAOA/AAAAAAAAAECUdJRSlGgZKGgcaB1LEEMQAAAAAAAAAEAAAAAAAAAKQJR0lFKUXZQoaBVo"
        "FmVdlChoRU5lXZQoaDV9lChoRUtbaFBLDHWFlFKUaDV9lChoRUsDaFBLKHWFlFKUZXSUc4aUYmhYaFpoFWhFaDV9lChoRUtbaFBL"
        "DHWFlFKUh5SBlIWUaGFoYnWGlGKMBnN0YXR1c5RoAowJSm9iU3RhdHVzlJOUjAlzdWNjZWVkZWSUhZRSlIwKdXBkYXRlZF9hdJRO"
        "aGFOdYaUYmgOaAKMEURpYXJpemF0aW9uUmVzdWx0lJOUKYGUTn2UKGgHaAlDEAAAAAAAAOA/AAAAAADQWECUjAFklEc/4AAAAAAA"
        "AIeUUpRoDmgQKYGUTn2UaBMoXZSMAlMwlGFoGShoHGgdSxBDCAAAAAAAAAAAlHSUUpRoGShoHGgdSxBDCAAAAAAAAPg/lHSUUpRO"
        "dJRzhpRiaCZOaCdOaDNoNX2UhZRSlGhhTnWGlGKMDnZvaWNlcHJpbnRfam9ilGhmKYGUTn2UKGhpTmh4jAJqMpRoeowKdm9pY2Vw"
        "cmludJRoe2gCjBBWb2ljZXByaW50UmVzdWx0lJOUKYGUTn2UKGgmTmgzaDV9lIWUUpRo3IwEdnA9PZRoYU51hpRiaLhovWi+Tmhh"
        "TnWGlGKMCmZhaWxlZF9qb2KUaGYpgZROfZQoaGlOaHiMAmozlGh6aAFoe2gCjBNfTm90U3VjY2VlZGVkT3V0cHV0lJOUKYGUTn2U"
        "KGgHTmgOaBApgZROfZRoEyhdlGgZKGgcaB1LEEMAlHSUUpRoGShoHGgdSxBo8nSUUpROdJRzhpRiaCaMBGJvb22UaCdOaDNoNX2U"
        "aD9dlHOFlFKUaGFOdYaUYmi4aLqMBmZhaWxlZJSFlFKUaL5OaGFOdYaUYowNZmFpbGVkX291dHB1dJRo7CmBlE59lChoB05oDmgQ"
        "KYGUTn2UaBMoXZRoGShoHGgdSxBo8nSUUpRoGShoHGgdSxBo8nSUUpROdJRzhpRiaCZo+WgnTmgzaDV9lIWUUpRoYYwHY2FyZWZ1"
        "bJR1hpRijBJ1bmtub3duX3N0YXR1c19qb2KUaGYpgZROfZQoaGlOaHiMAmo0lGh6Tmh7Tmi4jBBwYXVzZWQtaW4tZnV0dXJllGi+"
        "TmhhTnWGlGJouGi6jAdydW5uaW5nlIWUUpR1Lg=="
    ),
}


@pytest.mark.parametrize("protocol", sorted(_PICKLES_BEFORE_THE_SPLIT))
def test_a_pickle_made_before_the_split_still_loads(protocol: int) -> None:
    loaded = pickle.loads(base64.b64decode("".join(_PICKLES_BEFORE_THE_SPLIT[protocol])))
    expected = _values()
    assert loaded == expected
    assert {name: type(value) for name, value in loaded.items()} == {
        name: type(value) for name, value in expected.items()
    }
    identify = loaded["identify"]
    assert type(identify.identification) is type(expected["identify"].identification)
    assert identify.confidence.scores.tolist() == [0, 50, 100, 255]
    with pytest.raises(TypeError):
        identify.extra["futureKey"] = 1  # still a read-only mapping


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_a_new_pickle_names_only_the_public_module(protocol: int) -> None:
    """So that it loads in a version from before the split (and after a later reshuffle)."""
    named = modules_named(pickle.dumps(_values(), protocol))
    ours = {module for module in named if module.startswith("pyannoteai_identify")}
    assert ours == {"pyannoteai_identify.results"}


def test_every_public_class_reports_the_public_module() -> None:
    for name in results.__all__:
        value = getattr(results, name)
        if isinstance(value, type):
            assert value.__module__ == "pyannoteai_identify.results", name


@pytest.mark.parametrize("name", [*results.__all__, "_ReadOnlyDict", "_Segments", "_Identifications"])
def test_the_annotations_of_a_class_reporting_the_public_module_resolve(name: str) -> None:
    """``typing.get_type_hints`` (what pydantic, cattrs and typeguard call) reads a class's annotations
    in the module the class reports: the names they use must be there (``Segment``'s ``Mapping``)."""
    value = getattr(results, name)
    if isinstance(value, type):
        for klass in value.__mro__:
            if klass.__module__ == "pyannoteai_identify.results":
                typing.get_type_hints(klass)
