"""The contract (openapi.yaml) as a Python literal, for runtime use without a YAML parser.

Written by `nox -s generate` from openapi.yaml; do not edit. The wrapper reads its validation
limits from here, the sandbox validates requests against it, so nothing restates the contract.
"""

from typing import Any

SPEC: dict[str, Any] = {'openapi': '3.1.0',
 'info': {'title': 'pyannoteAI API (identify contract)',
          'version': '2026.11.0',
          'summary': 'The subset of the pyannoteAI REST API that pyannoteai-identify depends on.',
          'description': 'Hand-maintained contract of pyannoteai-identify, the single source of truth for the '
                         'generated\n'
                         "client (`generated/pyannoteai_api`), the test strategies, the sandbox and the wrapper's\n"
                         'validation limits. Facts come from the pyannoteAI documentation and its published\n'
                         '`openapi.json`; where this contract is deliberately stricter or looser than upstream, the\n'
                         "schema's description says so and why.\n"
                         '\n'
                         'Integers that upstream types as `number` (numSpeakers, limit) are `integer` here; the API\n'
                         'documents them as counts. Documented limits that JSON Schema cannot express are vendor\n'
                         'extensions: `x-max-file-bytes` and `x-max-duration-seconds` on the audio `url` fields,\n'
                         '`x-terminal` on `JobStatus` (the statuses after which a job never changes), `x-default` on\n'
                         'the `X-RateLimit-Limit` header (the documented limit, 100 requests per minute), and\n'
                         '`x-timeout-seconds`, `x-retry-delays-seconds` and `x-max-redirects` on the `jobCompleted`\n'
                         "webhook (how long the API waits for the receiver's answer, the seconds before each retry, "
                         'one\n'
                         'per `x-retry-num`, and the redirects it follows: one more fails as `too_many_redirects`).\n'},
 'servers': [{'url': 'https://api.pyannote.ai'}],
 'security': [{'apiKey': []}],
 'tags': [{'name': 'test'}, {'name': 'media'}, {'name': 'jobs'}],
 'paths': {'/v1/test': {'get': {'operationId': 'testKey',
                                'summary': 'Test the API key',
                                'description': 'Checks that the API key is valid. Bills nothing.',
                                'tags': ['test'],
                                'responses': {'200': {'description': 'The key works.',
                                                      'headers': {'X-RateLimit-Limit': {'$ref': '#/components/headers/X-RateLimit-Limit'},
                                                                  'X-RateLimit-Remaining': {'$ref': '#/components/headers/X-RateLimit-Remaining'}},
                                                      'content': {'application/json': {'schema': {'$ref': '#/components/schemas/TestResponse'},
                                                                                       'examples': {'ok': {'value': {'status': 'OK',
                                                                                                                     'message': 'Test '
                                                                                                                                'connection '
                                                                                                                                'successful'}},
                                                                                                    'quickstart': {'summary': 'The '
                                                                                                                              'wording '
                                                                                                                              'shown '
                                                                                                                              'in '
                                                                                                                              'the '
                                                                                                                              'quickstart.',
                                                                                                                   'value': {'status': 'success',
                                                                                                                             'message': 'API '
                                                                                                                                        'key '
                                                                                                                                        'is '
                                                                                                                                        'valid'}}}}}},
                                              '400': {'$ref': '#/components/responses/BadRequest'},
                                              '401': {'$ref': '#/components/responses/Unauthorized'},
                                              '402': {'$ref': '#/components/responses/PaymentRequired'},
                                              '429': {'$ref': '#/components/responses/TooManyRequests'}}}},
           '/v1/media/input': {'post': {'operationId': 'getMediaUploadUrl',
                                        'summary': 'Get a presigned URL to upload a media file',
                                        'description': 'Returns a presigned URL; PUT the raw file bytes to it (no '
                                                       'Authorization header), then pass\n'
                                                       'the `media://` URL (not the presigned one) to identify or '
                                                       'voiceprint. Uploaded media is\n'
                                                       'kept at least 24 hours and removed within 48 hours.\n',
                                        'tags': ['media'],
                                        'requestBody': {'required': True,
                                                        'content': {'application/json': {'schema': {'$ref': '#/components/schemas/MediaUploadRequest'},
                                                                                         'examples': {'simple': {'value': {'url': 'media://meetings/2024-01-15/call.wav'}}}}}},
                                        'responses': {'201': {'description': 'The presigned upload URL.',
                                                              'headers': {'X-RateLimit-Limit': {'$ref': '#/components/headers/X-RateLimit-Limit'},
                                                                          'X-RateLimit-Remaining': {'$ref': '#/components/headers/X-RateLimit-Remaining'}},
                                                              'content': {'application/json': {'schema': {'$ref': '#/components/schemas/MediaUploadResponse'},
                                                                                               'examples': {'presigned': {'value': {'url': 'https://storage.example.com/upload/abc?signature=xyz'}}}}}},
                                                      '400': {'$ref': '#/components/responses/BadRequest'},
                                                      '401': {'$ref': '#/components/responses/Unauthorized'},
                                                      '402': {'$ref': '#/components/responses/PaymentRequired'},
                                                      '429': {'$ref': '#/components/responses/TooManyRequests'}}}},
           '/v1/voiceprint': {'post': {'operationId': 'voiceprint',
                                       'summary': 'Submit a voiceprint job',
                                       'description': 'Extracts a voiceprint from at most 30 seconds of single-speaker '
                                                      'audio (at most 100 MiB).\n'
                                                      'Creates a billable job: never retry this request '
                                                      'automatically.\n',
                                       'tags': ['jobs'],
                                       'requestBody': {'required': True,
                                                       'content': {'application/json': {'schema': {'$ref': '#/components/schemas/VoiceprintRequest'},
                                                                                        'examples': {'simple': {'value': {'url': 'media://enrollment/john.wav'}}}}}},
                                       'responses': {'200': {'$ref': '#/components/responses/JobCreated'},
                                                     '400': {'$ref': '#/components/responses/BadRequest'},
                                                     '401': {'$ref': '#/components/responses/Unauthorized'},
                                                     '402': {'$ref': '#/components/responses/PaymentRequired'},
                                                     '429': {'$ref': '#/components/responses/TooManyRequests'}}}},
           '/v1/identify': {'post': {'operationId': 'identify',
                                     'summary': 'Submit an identification job (diarization + voiceprint matching)',
                                     'description': 'Diarizes the audio at `url` (at most 24 hours, at most 1 GiB) and '
                                                    'matches each speaker\n'
                                                    'against the given voiceprints. Creates a billable job: never '
                                                    'retry this request\n'
                                                    'automatically, the API has no idempotency key.\n',
                                     'tags': ['jobs'],
                                     'requestBody': {'required': True,
                                                     'content': {'application/json': {'schema': {'$ref': '#/components/schemas/IdentifyRequest'},
                                                                                      'examples': {'minimal': {'value': {'url': 'https://example.com/meeting.wav',
                                                                                                                         'voiceprints': [{'label': 'John '
                                                                                                                                                   'Doe',
                                                                                                                                          'voiceprint': 'U29tZUJhc2U2NERhdGE'}]}},
                                                                                                   'full': {'value': {'url': 'media://meetings/2024-01-15/call.wav',
                                                                                                                      'webhook': 'https://example.com/webhook',
                                                                                                                      'numSpeakers': 2,
                                                                                                                      'confidence': True,
                                                                                                                      'matching': {'exclusive': True,
                                                                                                                                   'threshold': 10},
                                                                                                                      'voiceprints': [{'label': 'John',
                                                                                                                                       'voiceprint': 'Sm9obg'},
                                                                                                                                      {'label': 'Sam',
                                                                                                                                       'voiceprint': 'U2Ft'}]}}}}}},
                                     'responses': {'200': {'$ref': '#/components/responses/JobCreated'},
                                                   '400': {'$ref': '#/components/responses/BadRequest'},
                                                   '401': {'$ref': '#/components/responses/Unauthorized'},
                                                   '402': {'$ref': '#/components/responses/PaymentRequired'},
                                                   '429': {'$ref': '#/components/responses/TooManyRequests'}}}},
           '/v1/jobs/{jobId}': {'get': {'operationId': 'getJobById',
                                        'summary': 'Get a job (status, and output once succeeded)',
                                        'description': '`output` holds the results once the job has succeeded, and is '
                                                       'deleted 24 hours after the\n'
                                                       'job completes. The docs say it is available only then, yet a '
                                                       'failed job may carry\n'
                                                       '`output.error` (the official SDK reads it), so `output` is '
                                                       'optional in every status. An\n'
                                                       'unknown or expired job answers 404: undocumented upstream, '
                                                       'modelled so (see `NotFound`).\n',
                                        'tags': ['jobs'],
                                        'parameters': [{'name': 'jobId',
                                                        'in': 'path',
                                                        'required': True,
                                                        'description': 'The job id returned when the job was created.',
                                                        'schema': {'type': 'string', 'minLength': 1}}],
                                        'responses': {'200': {'description': 'The job. The three shapes share one '
                                                                             'envelope and the API sends no job-type '
                                                                             'field, so\n'
                                                                             'this is an `anyOf`, not a `oneOf`: a job '
                                                                             'without output (pending, running, '
                                                                             'failed)\n'
                                                                             'fits every shape, which `oneOf` would '
                                                                             'reject. The shapes are ordered, and the\n'
                                                                             'identify and voiceprint outputs carry '
                                                                             'required keys, so that a parser that '
                                                                             'takes the\n'
                                                                             'first shape that fits picks the right '
                                                                             'one for every succeeded job; the '
                                                                             'diarization\n'
                                                                             'shape comes last and requires nothing, '
                                                                             'so it accepts any job whose output has '
                                                                             'none of\n'
                                                                             'the keys that mark the other two (each '
                                                                             "shape refuses the others' marker keys, "
                                                                             'with\n'
                                                                             '`not`).\n',
                                                              'headers': {'X-RateLimit-Limit': {'$ref': '#/components/headers/X-RateLimit-Limit'},
                                                                          'X-RateLimit-Remaining': {'$ref': '#/components/headers/X-RateLimit-Remaining'}},
                                                              'content': {'application/json': {'schema': {'anyOf': [{'$ref': '#/components/schemas/IdentifyJob'},
                                                                                                                    {'$ref': '#/components/schemas/VoiceprintJob'},
                                                                                                                    {'$ref': '#/components/schemas/DiarizationJob'}]},
                                                                                               'examples': {'identify_running': {'value': {'jobId': '3c8a89a5-dcc6-4edb-a75d-ffd64739674d',
                                                                                                                                           'status': 'running',
                                                                                                                                           'createdAt': '2024-02-20T12:00:00Z',
                                                                                                                                           'updatedAt': '2024-02-20T12:00:05Z'}},
                                                                                                            'identify_succeeded': {'value': {'jobId': '3c8a89a5-dcc6-4edb-a75d-ffd64739674d',
                                                                                                                                             'status': 'succeeded',
                                                                                                                                             'createdAt': '2024-02-20T12:00:00Z',
                                                                                                                                             'updatedAt': '2024-02-20T12:01:00Z',
                                                                                                                                             'output': {'diarization': [{'speaker': 'SPEAKER_00',
                                                                                                                                                                         'start': 0.5,
                                                                                                                                                                         'end': 4.2},
                                                                                                                                                                        {'speaker': 'SPEAKER_01',
                                                                                                                                                                         'start': 4.6,
                                                                                                                                                                         'end': 9.0}],
                                                                                                                                                        'identification': [{'speaker': 'John',
                                                                                                                                                                            'start': 0.5,
                                                                                                                                                                            'end': 4.2,
                                                                                                                                                                            'diarizationSpeaker': 'SPEAKER_00',
                                                                                                                                                                            'match': 'John'},
                                                                                                                                                                           {'speaker': 'SPEAKER_01',
                                                                                                                                                                            'start': 4.6,
                                                                                                                                                                            'end': 9.0,
                                                                                                                                                                            'diarizationSpeaker': 'SPEAKER_01',
                                                                                                                                                                            'match': None}],
                                                                                                                                                        'voiceprints': [{'speaker': 'SPEAKER_00',
                                                                                                                                                                         'match': 'John',
                                                                                                                                                                         'confidence': {'John': 87,
                                                                                                                                                                                        'Sam': 12}},
                                                                                                                                                                        {'speaker': 'SPEAKER_01',
                                                                                                                                                                         'match': 'Sam',
                                                                                                                                                                         'confidence': {'John': 3,
                                                                                                                                                                                        'Sam': 9}}],
                                                                                                                                                        'confidence': {'score': [95,
                                                                                                                                                                                 89,
                                                                                                                                                                                 78,
                                                                                                                                                                                 67],
                                                                                                                                                                       'resolution': 0.02}}}},
                                                                                                            'voiceprint_succeeded': {'value': {'jobId': 'fb16c565-f3f0-4402-a08c-9d44df0ccc7b',
                                                                                                                                               'status': 'succeeded',
                                                                                                                                               'createdAt': '2024-02-20T12:00:00Z',
                                                                                                                                               'updatedAt': '2024-02-20T12:00:20Z',
                                                                                                                                               'output': {'voiceprint': 'aGVsbG8gd29ybGQ'}}},
                                                                                                            'diarization_succeeded': {'value': {'jobId': '0e3b5f7a-9d41-4b0c-8a3e-2f9d6c1b7a55',
                                                                                                                                                'status': 'succeeded',
                                                                                                                                                'createdAt': '2024-02-20T12:00:00Z',
                                                                                                                                                'updatedAt': '2024-02-20T12:00:30Z',
                                                                                                                                                'output': {'diarization': [{'speaker': 'SPEAKER_00',
                                                                                                                                                                            'start': 15,
                                                                                                                                                                            'end': 30.5}]}}},
                                                                                                            'failed': {'value': {'jobId': '3c8a89a5-dcc6-4edb-a75d-ffd64739674d',
                                                                                                                                 'status': 'failed',
                                                                                                                                 'createdAt': '2024-02-20T12:00:00Z',
                                                                                                                                 'updatedAt': '2024-02-20T12:00:10Z',
                                                                                                                                 'output': {'error': 'Could '
                                                                                                                                                     'not '
                                                                                                                                                     'load '
                                                                                                                                                     'audio'}}}}}}},
                                                      '400': {'$ref': '#/components/responses/BadRequest'},
                                                      '401': {'$ref': '#/components/responses/Unauthorized'},
                                                      '402': {'$ref': '#/components/responses/PaymentRequired'},
                                                      '404': {'$ref': '#/components/responses/NotFound'},
                                                      '429': {'$ref': '#/components/responses/TooManyRequests'}}}},
           '/v2/jobs': {'get': {'operationId': 'getJobsByTeamV2',
                                'summary': "List the team's jobs, newest first, by cursor",
                                'description': 'Sorted by creation date, descending. Items carry no output.',
                                'tags': ['jobs'],
                                'parameters': [{'name': 'limit',
                                                'in': 'query',
                                                'required': False,
                                                'description': 'Number of jobs per page.',
                                                'schema': {'type': 'integer',
                                                           'minimum': 1,
                                                           'maximum': 100,
                                                           'default': 10}},
                                               {'name': 'cursor',
                                                'in': 'query',
                                                'required': False,
                                                'description': 'The `nextCursor` of the previous page. What the API '
                                                               'answers to a cursor it\n'
                                                               'did not issue is undocumented; this contract models a '
                                                               '400 with a field error on\n'
                                                               '`cursor` (even for a well-formed UUID), as the sandbox '
                                                               'and the mock answer.\n',
                                                'schema': {'type': 'string', 'format': 'uuid'}},
                                               {'name': 'status',
                                                'in': 'query',
                                                'required': False,
                                                'description': 'Only jobs with this status.',
                                                'schema': {'$ref': '#/components/schemas/JobStatus'}}],
                                'responses': {'200': {'description': 'One page of jobs.',
                                                      'headers': {'X-RateLimit-Limit': {'$ref': '#/components/headers/X-RateLimit-Limit'},
                                                                  'X-RateLimit-Remaining': {'$ref': '#/components/headers/X-RateLimit-Remaining'}},
                                                      'content': {'application/json': {'schema': {'$ref': '#/components/schemas/JobList'},
                                                                                       'examples': {'page': {'value': {'items': [{'id': '3c8a89a5-dcc6-4edb-a75d-ffd64739674d',
                                                                                                                                  'status': 'succeeded',
                                                                                                                                  'createdAt': '2024-02-20T12:00:00Z'}],
                                                                                                                       'nextCursor': 'a1b2c3d4-e5f6-7890-abcd-ef1234567890'}},
                                                                                                    'last': {'value': {'items': [],
                                                                                                                       'nextCursor': None}}}}}},
                                              '400': {'$ref': '#/components/responses/BadRequest'},
                                              '401': {'$ref': '#/components/responses/Unauthorized'},
                                              '402': {'$ref': '#/components/responses/PaymentRequired'},
                                              '429': {'$ref': '#/components/responses/TooManyRequests'}}}}},
 'webhooks': {'jobCompleted': {'post': {'operationId': 'jobCompletedWebhook',
                                        'summary': "Delivery to the job's `webhook` URL when it ends",
                                        'description': 'Sent once the job is succeeded, failed or canceled (never for '
                                                       'pending, created or\n'
                                                       'running). `output` is absent for failed and canceled jobs and '
                                                       'for jobs created with\n'
                                                       '`webhookStatusOnly`. The receiver must answer 2xx within 10 '
                                                       'seconds; otherwise the API\n'
                                                       'retries up to 3 times (at once, after 1 minute, after 5 '
                                                       'minutes), so deliveries repeat and\n'
                                                       'handlers must be idempotent on `jobId`. The signature is '
                                                       'HMAC-SHA256, keyed with the\n'
                                                       "team's webhook secret (UTF-8), over "
                                                       '`v0:{X-Request-Timestamp}:{raw body}`.\n',
                                        'x-timeout-seconds': 10,
                                        'x-retry-delays-seconds': [0, 60, 300],
                                        'x-max-redirects': 2,
                                        'parameters': [{'name': 'X-Signature',
                                                        'in': 'header',
                                                        'required': True,
                                                        'description': "The HMAC-SHA256 signature. The docs' prose "
                                                                       'says base64, their sample code compares a\n'
                                                                       'hex digest: verifiers accept either.\n',
                                                        'schema': {'type': 'string', 'minLength': 1}},
                                                       {'name': 'X-Request-Timestamp',
                                                        'in': 'header',
                                                        'required': True,
                                                        'description': 'Seconds since the Unix epoch when the request '
                                                                       'was signed.',
                                                        'schema': {'type': 'string', 'pattern': '^[0-9]+$'}},
                                                       {'name': 'x-retry-num',
                                                        'in': 'header',
                                                        'required': False,
                                                        'description': '1, 2 or 3 on a retry; absent on the first '
                                                                       'attempt (inferred: the docs describe the\n'
                                                                       'header on retries only).\n',
                                                        'schema': {'type': 'string', 'enum': ['1', '2', '3']}},
                                                       {'name': 'x-retry-reason',
                                                        'in': 'header',
                                                        'required': False,
                                                        'description': 'Why the previous attempt failed.',
                                                        'schema': {'type': 'string',
                                                                   'enum': ['http_timeout',
                                                                            'too_many_redirects',
                                                                            'connection_failed',
                                                                            'ssl_error',
                                                                            'http_error',
                                                                            'unknown_error']}}],
                                        'requestBody': {'required': True,
                                                        'content': {'application/json': {'schema': {'$ref': '#/components/schemas/WebhookDelivery'},
                                                                                         'examples': {'succeeded': {'value': {'jobId': '3c8a89a5-dcc6-4edb-a75d-ffd64739674d',
                                                                                                                              'status': 'succeeded',
                                                                                                                              'output': {'identification': [{'speaker': 'John',
                                                                                                                                                             'start': 0.5,
                                                                                                                                                             'end': 4.2,
                                                                                                                                                             'diarizationSpeaker': 'SPEAKER_00',
                                                                                                                                                             'match': 'John'}],
                                                                                                                                         'voiceprints': [{'speaker': 'SPEAKER_00',
                                                                                                                                                          'match': 'John',
                                                                                                                                                          'confidence': {'John': 87}}],
                                                                                                                                         'diarization': [{'speaker': 'SPEAKER_00',
                                                                                                                                                          'start': 0.5,
                                                                                                                                                          'end': 4.2}]}}},
                                                                                                      'failed': {'value': {'jobId': '3c8a89a5-dcc6-4edb-a75d-ffd64739674d',
                                                                                                                           'status': 'failed'}}}}}},
                                        'responses': {'200': {'description': 'Any 2xx acknowledges the delivery.'}}}}},
 'components': {'securitySchemes': {'apiKey': {'type': 'http',
                                               'scheme': 'bearer',
                                               'description': '`Authorization: Bearer <API key>`; keys are created in '
                                                              'the pyannoteAI dashboard.'}},
                'headers': {'X-RateLimit-Limit': {'description': 'Requests allowed per sliding one-minute window (100 '
                                                                 'by default, per the docs).',
                                                  'schema': {'type': 'integer', 'minimum': 0},
                                                  'x-default': 100},
                            'X-RateLimit-Remaining': {'description': 'Requests left in the current window.',
                                                      'schema': {'type': 'integer', 'minimum': 0}},
                            'X-RateLimit-Reset': {'description': 'When the window resets, in UTC epoch seconds.',
                                                  'schema': {'type': 'integer', 'minimum': 0}},
                            'Retry-After': {'description': 'Seconds to wait before retrying.',
                                            'schema': {'type': 'integer', 'minimum': 0}}},
                'responses': {'JobCreated': {'description': 'The job was created (and will be billed).',
                                             'headers': {'X-RateLimit-Limit': {'$ref': '#/components/headers/X-RateLimit-Limit'},
                                                         'X-RateLimit-Remaining': {'$ref': '#/components/headers/X-RateLimit-Remaining'}},
                                             'content': {'application/json': {'schema': {'$ref': '#/components/schemas/JobCreated'},
                                                                              'examples': {'created': {'value': {'jobId': '3c8a89a5-dcc6-4edb-a75d-ffd64739674d',
                                                                                                                 'status': 'created'}},
                                                                                           'with_warning': {'value': {'jobId': '3c8a89a5-dcc6-4edb-a75d-ffd64739674d',
                                                                                                                      'status': 'created',
                                                                                                                      'warning': 'Audio '
                                                                                                                                 'is '
                                                                                                                                 'shorter '
                                                                                                                                 'than '
                                                                                                                                 '20 '
                                                                                                                                 's'}}}}}},
                              'BadRequest': {'description': 'The request failed validation.',
                                             'content': {'application/json': {'schema': {'$ref': '#/components/schemas/ValidationErrorResponse'},
                                                                              'examples': {'invalid_url': {'value': {'message': 'Invalid '
                                                                                                                                'request',
                                                                                                                     'errors': [{'field': 'url',
                                                                                                                                 'message': 'Invalid '
                                                                                                                                            'URL'}]}}}}}},
                              'Unauthorized': {'description': 'Missing or invalid API key. Not in the upstream spec '
                                                              'and its body is undocumented; the\n'
                                                              'sandbox answers with an `ApiError` and '
                                                              '`WWW-Authenticate: Bearer` (RFC 6750), clients must\n'
                                                              'accept any body.\n',
                                               'content': {'application/json': {'schema': {}}}},
                              'PaymentRequired': {'description': 'A subscription is required. A team over its monthly '
                                                                 'budget has its requests rejected too,\n'
                                                                 'with a status that is undocumented; this contract '
                                                                 'takes it for this 402.\n',
                                                  'content': {'application/json': {'schema': {'$ref': '#/components/schemas/ApiError'},
                                                                                   'examples': {'subscription': {'value': {'requestId': '37a4c3a0-b034-4e8c-9ed9-76da6645544a',
                                                                                                                           'message': 'Subscription '
                                                                                                                                      'is '
                                                                                                                                      'required'}}}}}},
                              'NotFound': {'description': 'The job does not exist, or its results were deleted (24 '
                                                          'hours after completion).\n'
                                                          'Undocumented upstream; modelled as an `ApiError`.\n',
                                           'content': {'application/json': {'schema': {'$ref': '#/components/schemas/ApiError'},
                                                                            'examples': {'missing': {'value': {'requestId': '37a4c3a0-b034-4e8c-9ed9-76da6645544a',
                                                                                                               'message': 'Job '
                                                                                                                          'not '
                                                                                                                          'found'}}}}}},
                              'TooManyRequests': {'description': 'Over the limit of 100 requests per sliding minute.',
                                                  'headers': {'X-RateLimit-Limit': {'$ref': '#/components/headers/X-RateLimit-Limit'},
                                                              'X-RateLimit-Remaining': {'$ref': '#/components/headers/X-RateLimit-Remaining'},
                                                              'X-RateLimit-Reset': {'$ref': '#/components/headers/X-RateLimit-Reset'},
                                                              'Retry-After': {'$ref': '#/components/headers/Retry-After'}},
                                                  'content': {'application/json': {'schema': {'$ref': '#/components/schemas/ApiError'},
                                                                                   'examples': {'limited': {'value': {'requestId': '37a4c3a0-b034-4e8c-9ed9-76da6645544a',
                                                                                                                      'message': 'Too '
                                                                                                                                 'many '
                                                                                                                                 'requests'}}}}}}},
                'schemas': {'JobStatus': {'type': 'string',
                                          'description': 'Lifecycle of a job. The statuses listed in `x-terminal` '
                                                         '(`succeeded`, `failed` and\n'
                                                         '`canceled`) are terminal: the job will not change again. '
                                                         'Clients must treat a value outside\n'
                                                         'this list (from a newer API) as "not finished", never as an '
                                                         'error.\n',
                                          'enum': ['pending', 'created', 'running', 'succeeded', 'failed', 'canceled'],
                                          'x-terminal': ['succeeded', 'failed', 'canceled']},
                            'TestResponse': {'type': 'object',
                                             'required': ['status', 'message'],
                                             'properties': {'status': {'type': 'string',
                                                                       'description': 'Free text; upstream examples '
                                                                                      'are OK and success.'},
                                                            'message': {'type': 'string'}}},
                            'MediaUploadRequest': {'type': 'object',
                                                   'required': ['url'],
                                                   'properties': {'url': {'type': 'string',
                                                                          'description': '`media://` followed by an '
                                                                                         'object key of letters, '
                                                                                         'digits, `-`, `_`, `.` and '
                                                                                         '`/`; unique\n'
                                                                                         'to the team.\n',
                                                                          'maxLength': 255,
                                                                          'pattern': '^media://[a-zA-Z0-9\\-_./]+$'}}},
                            'MediaUploadResponse': {'type': 'object',
                                                    'required': ['url'],
                                                    'properties': {'url': {'type': 'string',
                                                                           'description': 'Presigned URL to PUT the '
                                                                                          'raw file bytes to.'}}},
                            'VoiceprintRequest': {'type': 'object',
                                                  'required': ['url'],
                                                  'description': 'Optional fields may be `null`, meaning absent (the '
                                                                 'official SDK sends `null` for every option it leaves '
                                                                 'unset); a required field may not.',
                                                  'properties': {'url': {'type': 'string',
                                                                         'minLength': 1,
                                                                         'description': 'Public, presigned or media:// '
                                                                                        'URL of at most 30 s of audio.',
                                                                         'x-max-duration-seconds': 30,
                                                                         'x-max-file-bytes': 104857600},
                                                                 'webhook': {'type': 'string',
                                                                             'minLength': 1,
                                                                             'description': 'URL that receives the '
                                                                                            'result when the job '
                                                                                            'ends.'},
                                                                 'webhookStatusOnly': {'type': 'boolean',
                                                                                       'default': False,
                                                                                       'description': 'Deliver only '
                                                                                                      '{jobId, '
                                                                                                      'status}.'}}},
                            'Voiceprint': {'type': 'object',
                                           'required': ['label', 'voiceprint'],
                                           'properties': {'label': {'type': 'string',
                                                                    'description': 'Name of the enrolled speaker. '
                                                                                   "Upstream's pattern is "
                                                                                   '`^(?!speaker_).*` while its prose\n'
                                                                                   "says labels can't start with "
                                                                                   '`SPEAKER_`; this contract refuses '
                                                                                   'the prefix in any case.\n'
                                                                                   'An empty label is refused too.\n',
                                                                    'minLength': 1,
                                                                    'maxLength': 100,
                                                                    'pattern': '^(?![Ss][Pp][Ee][Aa][Kk][Ee][Rr]_)'},
                                                          'voiceprint': {'type': 'string',
                                                                         'description': 'A voiceprint returned by a '
                                                                                        'voiceprint job.',
                                                                         'minLength': 1,
                                                                         'maxLength': 20000}}},
                            'Matching': {'type': 'object',
                                         'description': 'How voiceprints are matched against the diarized speakers.',
                                         'properties': {'exclusive': {'type': ['boolean', 'null'],
                                                                      'default': True,
                                                                      'description': 'Prevent two speakers from '
                                                                                     'matching the same voiceprint.'},
                                                        'threshold': {'type': ['number', 'null'],
                                                                      'default': 0,
                                                                      'minimum': 0,
                                                                      'maximum': 100,
                                                                      'description': 'Do not match below this '
                                                                                     'confidence score; 0 matches '
                                                                                     'every voiceprint.'}}},
                            'IdentifyRequest': {'type': 'object',
                                                'required': ['url', 'voiceprints'],
                                                'description': "Upstream's spec lists only `voiceprints` as required; "
                                                               'an identification without audio is\n'
                                                               'meaningless, so this contract requires `url` too '
                                                               "(upstream's SDK always sends it).\n"
                                                               'Optional top-level fields may be `null`, meaning '
                                                               'absent (the official SDK sends `null` for\n'
                                                               'every option it leaves unset); a required field may '
                                                               'not.\n',
                                                'properties': {'url': {'type': 'string',
                                                                       'minLength': 1,
                                                                       'description': 'Public, presigned or media:// '
                                                                                      'URL of the audio.',
                                                                       'x-max-duration-seconds': 86400,
                                                                       'x-max-file-bytes': 1073741824},
                                                               'webhook': {'type': 'string',
                                                                           'minLength': 1,
                                                                           'description': 'URL that receives the '
                                                                                          'result when the job ends.'},
                                                               'webhookStatusOnly': {'type': 'boolean',
                                                                                     'default': False,
                                                                                     'description': 'Deliver only '
                                                                                                    '{jobId, status}.'},
                                                               'model': {'type': 'string',
                                                                         'minLength': 1,
                                                                         'description': 'The diarization model; absent '
                                                                                        '(or null) leaves the choice '
                                                                                        'to the API, whose default is\n'
                                                                                        '`precision-2`. Deliberately '
                                                                                        'an open string, without '
                                                                                        "upstream's enum: the sources "
                                                                                        'disagree\n'
                                                                                        "on it (upstream's spec: "
                                                                                        '`precision-2` only; its '
                                                                                        'rendered docs: `precision-1` '
                                                                                        'and\n'
                                                                                        '`precision-2`) and it has '
                                                                                        'changed twice, so the API, '
                                                                                        'not a client or a fake of '
                                                                                        'it,\n'
                                                                                        'judges a model name.\n'},
                                                               'numSpeakers': {'type': 'integer',
                                                                               'enum': [1, 2],
                                                                               'description': 'Number of speakers, '
                                                                                              'when known. Absent '
                                                                                              'means detect '
                                                                                              'automatically. '
                                                                                              'Deliberately narrower\n'
                                                                                              'than upstream (a number '
                                                                                              'of at least 1, no '
                                                                                              'documented maximum): '
                                                                                              "this project's "
                                                                                              'identify\n'
                                                                                              'request takes 1 or 2; '
                                                                                              'widening it is a change '
                                                                                              'of this enum alone.\n'},
                                                               'exclusive': {'type': 'boolean',
                                                                             'default': False,
                                                                             'description': 'Also return exclusive '
                                                                                            '(non-overlapping) '
                                                                                            'diarization.'},
                                                               'turnLevelConfidence': {'type': 'boolean',
                                                                                       'default': False,
                                                                                       'description': 'Add a '
                                                                                                      'confidence map '
                                                                                                      'to each turn.'},
                                                               'confidence': {'type': 'boolean',
                                                                              'default': False,
                                                                              'description': 'Add frame-level '
                                                                                             'diarization confidence '
                                                                                             'scores.'},
                                                               'matching': {'$ref': '#/components/schemas/Matching'},
                                                               'voiceprints': {'type': 'array',
                                                                               'minItems': 1,
                                                                               'maxItems': 50,
                                                                               'items': {'$ref': '#/components/schemas/Voiceprint'}}}},
                            'JobCreated': {'type': 'object',
                                           'required': ['jobId', 'status'],
                                           'properties': {'jobId': {'type': 'string', 'minLength': 1},
                                                          'status': {'$ref': '#/components/schemas/JobStatus'},
                                                          'warning': {'type': 'string'}}},
                            'DiarizationSegment': {'type': 'object',
                                                   'required': ['speaker', 'start', 'end'],
                                                   'properties': {'speaker': {'type': 'string',
                                                                              'description': 'Diarization label, e.g. '
                                                                                             'SPEAKER_00.'},
                                                                  'start': {'type': 'number',
                                                                            'minimum': 0,
                                                                            'description': 'Seconds from the start of '
                                                                                           'the audio.'},
                                                                  'end': {'type': 'number', 'minimum': 0},
                                                                  'confidence': {'type': 'object',
                                                                                 'description': 'Score (0-100) per '
                                                                                                'speaker, only with '
                                                                                                '`turnLevelConfidence`.',
                                                                                 'additionalProperties': {'type': 'number'}}}},
                            'Confidence': {'type': 'object',
                                           'required': ['score', 'resolution'],
                                           'properties': {'score': {'type': 'array',
                                                                    'description': 'One score (0-100) per frame.',
                                                                    'items': {'type': 'number',
                                                                              'minimum': 0,
                                                                              'maximum': 100}},
                                                          'resolution': {'type': 'number',
                                                                         'exclusiveMinimum': 0,
                                                                         'description': 'Seconds per frame.'}}},
                            'IdentificationSegment': {'type': 'object',
                                                      'description': 'Upstream requires only `diarizationSpeaker` and '
                                                                     '`match`; a turn without its times is\n'
                                                                     'useless, and every documented example carries '
                                                                     'them, so this contract requires `start`\n'
                                                                     'and `end` too.\n',
                                                      'required': ['diarizationSpeaker', 'match', 'start', 'end'],
                                                      'properties': {'speaker': {'type': 'string',
                                                                                 'description': 'The matched label, or '
                                                                                                'the diarization label '
                                                                                                'when unmatched: the '
                                                                                                'rule is undocumented\n'
                                                                                                'upstream (both are '
                                                                                                '"Speaker label" '
                                                                                                'there), but every '
                                                                                                'documented example '
                                                                                                'follows it.\n'},
                                                                     'start': {'type': 'number', 'minimum': 0},
                                                                     'end': {'type': 'number', 'minimum': 0},
                                                                     'confidence': {'type': 'object',
                                                                                    'additionalProperties': {'type': 'number'}},
                                                                     'diarizationSpeaker': {'type': 'string'},
                                                                     'match': {'type': ['string', 'null'],
                                                                               'description': 'The matched voiceprint '
                                                                                              'label, null when none '
                                                                                              'matched.'}}},
                            'IdentificationVoiceprint': {'type': 'object',
                                                         'required': ['speaker', 'match', 'confidence'],
                                                         'properties': {'speaker': {'type': 'string',
                                                                                    'description': 'The diarization '
                                                                                                   'speaker.'},
                                                                        'match': {'type': ['string', 'null'],
                                                                                  'description': 'The best voiceprint '
                                                                                                 'label; null accepted '
                                                                                                 'for safety.'},
                                                                        'confidence': {'type': 'object',
                                                                                       'description': 'Score (0-100) '
                                                                                                      'per voiceprint '
                                                                                                      'label.',
                                                                                       'additionalProperties': {'type': 'number'}}}},
                            'IdentifyJobOutput': {'type': 'object',
                                                  'required': ['identification'],
                                                  'description': 'Upstream requires no key here; this contract '
                                                                 'requires `identification` (present in every\n'
                                                                 'succeeded identify output) so that the job shapes '
                                                                 'can be told apart. `voiceprints` is in\n'
                                                                 'every documented output too, but as upstream does '
                                                                 'not promise it, a reader takes its\n'
                                                                 'absence as no voiceprint scores rather than refusing '
                                                                 'the result.\n',
                                                  'properties': {'diarization': {'type': 'array',
                                                                                 'items': {'$ref': '#/components/schemas/DiarizationSegment'}},
                                                                 'exclusiveDiarization': {'type': 'array',
                                                                                          'items': {'$ref': '#/components/schemas/DiarizationSegment'}},
                                                                 'identification': {'type': 'array',
                                                                                    'items': {'$ref': '#/components/schemas/IdentificationSegment'}},
                                                                 'voiceprints': {'type': 'array',
                                                                                 'items': {'$ref': '#/components/schemas/IdentificationVoiceprint'}},
                                                                 'confidence': {'$ref': '#/components/schemas/Confidence'},
                                                                 'warning': {'type': 'string'},
                                                                 'error': {'type': 'string'}}},
                            'VoiceprintJobOutput': {'type': 'object',
                                                    'required': ['voiceprint'],
                                                    'description': 'The API sends no job-type field: a reader tells '
                                                                   'the shapes apart by their keys, and an\n'
                                                                   'output with a key only the identify output has is '
                                                                   'an identify output (which must then\n'
                                                                   'fit that shape), never a voiceprint output with an '
                                                                   'extra key.\n',
                                                    'not': {'anyOf': [{'required': ['identification']},
                                                                      {'required': ['voiceprints']}]},
                                                    'properties': {'voiceprint': {'type': 'string'},
                                                                   'warning': {'type': 'string'},
                                                                   'error': {'type': 'string'}}},
                            'DiarizationJobOutput': {'type': 'object',
                                                     'description': 'Upstream requires `diarization`; this contract '
                                                                    'requires nothing, so that this last shape\n'
                                                                    'also accepts the error-only output of a failed '
                                                                    'job. An output with a key only the identify\n'
                                                                    'or the voiceprint output has is of that type and '
                                                                    'must fit its shape: without this `not`,\n'
                                                                    'a broken identify output would still pass as a '
                                                                    'diarization output with extra keys.\n',
                                                     'not': {'anyOf': [{'required': ['identification']},
                                                                       {'required': ['voiceprints']},
                                                                       {'required': ['voiceprint']}]},
                                                     'properties': {'diarization': {'type': 'array',
                                                                                    'items': {'$ref': '#/components/schemas/DiarizationSegment'}},
                                                                    'exclusiveDiarization': {'type': 'array',
                                                                                             'items': {'$ref': '#/components/schemas/DiarizationSegment'}},
                                                                    'confidence': {'$ref': '#/components/schemas/Confidence'},
                                                                    'warning': {'type': 'string'},
                                                                    'error': {'type': 'string'}}},
                            'IdentifyJob': {'type': 'object',
                                            'required': ['jobId', 'status'],
                                            'properties': {'jobId': {'type': 'string', 'minLength': 1},
                                                           'status': {'$ref': '#/components/schemas/JobStatus'},
                                                           'createdAt': {'type': 'string', 'format': 'date-time'},
                                                           'updatedAt': {'type': 'string', 'format': 'date-time'},
                                                           'output': {'$ref': '#/components/schemas/IdentifyJobOutput'}}},
                            'VoiceprintJob': {'type': 'object',
                                              'required': ['jobId', 'status'],
                                              'properties': {'jobId': {'type': 'string', 'minLength': 1},
                                                             'status': {'$ref': '#/components/schemas/JobStatus'},
                                                             'createdAt': {'type': 'string', 'format': 'date-time'},
                                                             'updatedAt': {'type': 'string', 'format': 'date-time'},
                                                             'output': {'$ref': '#/components/schemas/VoiceprintJobOutput'}}},
                            'DiarizationJob': {'type': 'object',
                                               'required': ['jobId', 'status'],
                                               'properties': {'jobId': {'type': 'string', 'minLength': 1},
                                                              'status': {'$ref': '#/components/schemas/JobStatus'},
                                                              'createdAt': {'type': 'string', 'format': 'date-time'},
                                                              'updatedAt': {'type': 'string', 'format': 'date-time'},
                                                              'output': {'$ref': '#/components/schemas/DiarizationJobOutput'}}},
                            'JobListItem': {'type': 'object',
                                            'required': ['id', 'status', 'createdAt'],
                                            'properties': {'id': {'type': 'string', 'minLength': 1},
                                                           'status': {'type': 'string',
                                                                      'description': 'A JobStatus value; a plain '
                                                                                     'string upstream.'},
                                                           'createdAt': {'type': 'string', 'format': 'date-time'}}},
                            'JobList': {'type': 'object',
                                        'required': ['items', 'nextCursor'],
                                        'properties': {'items': {'type': 'array',
                                                                 'items': {'$ref': '#/components/schemas/JobListItem'}},
                                                       'nextCursor': {'type': ['string', 'null'],
                                                                      'description': 'Cursor of the next page; null on '
                                                                                     'the last page.'}}},
                            'WebhookDelivery': {'type': 'object',
                                                'required': ['jobId', 'status'],
                                                'properties': {'jobId': {'type': 'string', 'minLength': 1},
                                                               'status': {'$ref': '#/components/schemas/JobStatus'},
                                                               'output': {'anyOf': [{'$ref': '#/components/schemas/IdentifyJobOutput'},
                                                                                    {'$ref': '#/components/schemas/VoiceprintJobOutput'},
                                                                                    {'$ref': '#/components/schemas/DiarizationJobOutput'}]}}},
                            'ValidationError': {'type': 'object',
                                                'required': ['field', 'message'],
                                                'properties': {'field': {'type': 'string'},
                                                               'message': {'type': 'string'}}},
                            'ValidationErrorResponse': {'type': 'object',
                                                        'required': ['message', 'errors'],
                                                        'properties': {'message': {'type': 'string'},
                                                                       'errors': {'type': 'array',
                                                                                  'items': {'$ref': '#/components/schemas/ValidationError'}}}},
                            'ApiError': {'type': 'object',
                                         'required': ['requestId', 'message'],
                                         'properties': {'requestId': {'type': 'string'},
                                                        'message': {'type': 'string'}}}}}}
