"""The daily merge of the channels besides department feeds (issue 17, 日汇总、次日交办).

One job per module: ``intake`` (which inputs a day takes; their feed records), ``grading``
(each channel's default level from the rules YAML ``channels:``), ``merge`` (match, grade,
de-duplicate into warnings) and ``lists`` (the next-day township lists). The wiring is
``shouwang.daily``; the digest's per-channel table is ``screening.publish.channel_figures``.
"""
