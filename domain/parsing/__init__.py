"""Read schedule requests and time phrases typed in a chat.

`parse_request` reads a whole message ("post this to LinkedIn tomorrow 9am");
`parse_when` reads a time phrase alone ("tomorrow 9am", "in 2 hours"). Both
return instants in UTC, resolved in the user's zone, or the question the bot
must ask instead.

The time grammar is our own and dateparser is not used. Scheduling needs rules
that dateparser does not follow: future preference, bare hours, 09:00 for a day
alone, DST gaps and folds. Its `search_dates` also misreads phrases this
grammar must get right. With dateparser 1.5.0, "tomorrow at 16" keeps the
clock time of the base instead of 16:00, "in 1.5 hours" is read as "5 hours",
and "we may ship" and even "to" are read as dates. It also raises pytz's
AmbiguousTimeError for some wall times in a DST fold. In bench/parser.py on a
2-CPU machine (docs/benchmarks.md), a `search_dates` call took about 2 ms at
the median with English only and about 60 ms with its language detection,
against a budget of 5 ms per message, and this parser about 0.2 ms. The
grammar covers the forms listed in `grammar` and `lexicon`. Anything else
becomes a question to the user, not a guess.
"""

from domain.parsing.request import parse_request, split_content
from domain.parsing.results import (
    Ask,
    ScheduleRequest,
    ScheduleTime,
    TimeNote,
    TimeQuestion,
)
from domain.parsing.when import parse_when

__all__ = [
    "Ask",
    "ScheduleRequest",
    "ScheduleTime",
    "TimeNote",
    "TimeQuestion",
    "parse_request",
    "parse_when",
    "split_content",
]
