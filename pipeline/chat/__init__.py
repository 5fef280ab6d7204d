"""Chat records with tool calls: the canonical message, how the chat dialects map onto it, and its rules.

- :mod:`pipeline.chat.schema`: the canonical chat message (``role``, ``content``, ``tool_calls``, ``tool_call_id``,
  ``weight``) and record fields (``tools``, ``parallel_tool_calls``), their Arrow types, how they are written
  and read as text (for token counts, duplicates, PII and the readiness measures).
- :mod:`pipeline.chat.dialects`: OpenAI (``tool_calls``, legacy ``function_call``), ShareGPT
  (``function_call``/``observation``), Gemini ``contents``/``parts`` and Bedrock Converse content blocks, each
  mapped onto the canonical messages; tool definitions of every dialect onto OpenAI's ``tools`` form.
- :mod:`pipeline.chat.rules`: the tool-call rules the fine-tuning APIs check, each a reject reason.
"""
