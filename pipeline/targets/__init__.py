"""Where the data goes: provider targets, their published limits as readiness checks, exports in each upload
format and a training plan.

- :mod:`pipeline.targets.limits`: every target's limits (per model), each with its public source and the date read.
- :mod:`pipeline.targets.convert` and :mod:`pipeline.targets.formats`: canonical records into each upload format
  (OpenAI chat JSONL, Gemini/Vertex ``contents``, Bedrock ``bedrock-conversation-2024``, generic JSONL).
- :mod:`pipeline.targets.stage`: the ``targets`` stage, measuring each target's figures (the ``targets`` section).
- :mod:`pipeline.targets.plan`: suggested epochs, billed tokens and cost.
- :mod:`pipeline.targets.checks`: the ``target_<name>_*`` readiness checks, from the ``targets`` section alone.
- :mod:`pipeline.targets.export`: writing ``OUT/export/<target>/`` inside the run's output transaction.
"""
