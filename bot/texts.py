"""Every text the bot sends, in HTML parse mode.

Values from users or networks are escaped by the caller (see formatting).
Tests assert on these constants, so a wording change is a one-line edit.
"""

from __future__ import annotations

GREETING = (
    "Hi! I publish your posts later, at the time you choose.\n\n"
    "Write something like <i>post this to my channel tomorrow 9am</i> and I show a preview; "
    "nothing goes out until you tap <b>Schedule</b>."
)
ASK_TIMEZONE = (
    "First, which timezone are you in? Tap one below, type a city or a zone name "
    "(e.g. <i>Berlin</i> or <i>America/New_York</i>), or share your location."
)
SHARE_LOCATION_BUTTON = "📍 Share my location"
TIMEZONE_SET = "Timezone set to <b>{zone}</b> (it is {local_time} there now)."
TIMEZONE_UNKNOWN = (
    "I don't know the timezone “{text}”. Type a city (e.g. <i>Lisbon</i>), "
    "a zone name (e.g. <i>Europe/Lisbon</i>), or share your location."
)
TIMEZONE_FROM_LOCATION_FAILED = (
    "I couldn't find a timezone for that location. Type a city or a zone name instead."
)
CURRENT_TIMEZONE = "Your timezone is <b>{zone}</b>. To change it, tap a zone below or type one."
NEXT_STEP_CONNECT = "Next, connect a channel to post to: send /connect."
CONNECTED_ACCOUNTS = "Connected:\n{accounts}"
NEXT_STEP_SCHEDULE = (
    "You're all set. Reply to any message with <i>post this to my channel tomorrow 9am</i>, "
    "or send the text first and then the request."
)

HELP = (
    "<b>Schedule a post</b>\n"
    "• Reply to a message: <i>post this to my channel tomorrow 9am</i>\n"
    "• Or put the text after a colon: <i>post to my channel at 6pm: We're live!</i>\n"
    "• Or send the text, then: <i>post this to @mychannel on Monday at 10:00</i>\n"
    "Times: <i>in 2 hours</i>, <i>tonight</i>, <i>next Friday 8pm</i>, <i>March 31 at 14:15</i>, "
    "<i>now</i>.\n\n"
    "<b>Commands</b>\n"
    "/queue – upcoming posts: cancel, reschedule or post now\n"
    "/connect – connect a channel or account\n"
    "/accounts – your connected accounts\n"
    "/disconnect – remove an account\n"
    "/timezone – change your timezone\n"
    "/cancel – stop what we're doing\n"
    "/help – this message"
)

# (command, description) for setMyCommands.
COMMANDS = (
    ("queue", "Upcoming posts"),
    ("connect", "Connect a channel or account"),
    ("accounts", "Connected accounts"),
    ("disconnect", "Remove an account"),
    ("timezone", "Change your timezone"),
    ("cancel", "Stop the current step"),
    ("help", "How to schedule a post"),
    ("start", "Start over"),
)

UNKNOWN_COMMAND = "I don't know the command {command}. /help lists what I can do."
NOT_UNDERSTOOD = (
    "I didn't understand that. To schedule a post, write e.g. "
    "<i>post this to my channel tomorrow 9am</i>, or see /help."
)
ONLY_TEXT = (
    "I can schedule text posts only for now. Send the text as a message, "
    "or reply to a text message with your request."
)
CANCELLED_DIALOGUE = "OK, stopped. Nothing was changed."
NOTHING_TO_CANCEL = "There's nothing to stop. /help lists what I can do."

# Scheduling requests.
DRAFT_SAVED = (
    "Got it. Now tell me where and when, e.g. <i>post this to my channel tomorrow 9am</i>."
)
ASK_CONTENT = "What should I post? Send the text now, or reply to a message with your request."
ASK_TIME = (
    "When should it go out? E.g. <i>tomorrow 9am</i>, <i>Monday 18:30</i> or <i>in 2 hours</i>."
)
TIME_NOT_UNDERSTOOD = (
    "I didn't understand the time “{phrase}”. Try e.g. <i>tomorrow 9am</i>, "
    "<i>Friday 18:30</i> or <i>in 2 hours</i>, or /cancel."
)
TIME_IN_PAST = "{when} has already passed. Send a time in the future, e.g. <i>tomorrow 9am</i>."
TIME_PHRASE_IN_PAST = (
    "“{phrase}” is in the past. Send a time in the future, e.g. <i>tomorrow 9am</i>."
)
INVALID_DATE = "“{phrase}” is not a date that exists. Check the day and month."
INVALID_TIME = (
    "“{phrase}” is not a valid time of day. Use e.g. <i>9:30</i>, <i>21:30</i> or <i>9pm</i>."
)
ASK_DATE_ORDER = (
    "Does “{phrase}” mean <b>{first}</b> or <b>{second}</b>? "
    "I'll remember your choice for numeric dates."
)
DATE_ORDER_SET = "Noted: I'll read numeric dates as {example}."
ASK_PLATFORM = (
    "Where should I post it? Name the account, e.g. <i>post this to my channel tomorrow 9am</i>."
)
ASK_PLATFORM_WITH_ACCOUNTS = (
    "Where should I post it? Your accounts:\n{accounts}\n"
    "Name one in your request, e.g. <i>post this to {example} tomorrow 9am</i>."
)
UNKNOWN_PLATFORM = "I can't post to “{name}”. I can post to: {available}."
PLATFORM_NOT_AVAILABLE = (
    "Posting to {platforms} isn't available yet. For now I can post to: {available}."
)
NOT_CONNECTED = "You have no {platform} connected yet. Send /connect to add one."
CHANNEL_NOT_CONNECTED = (
    "The channel {channel} isn't connected. Send /connect to add it, or see /accounts."
)
AMBIGUOUS_ACCOUNT = (
    "You have several {platform} accounts:\n{accounts}\n"
    "Name one in your request, e.g. <i>post this to {example} tomorrow 9am</i>."
)
NO_ACCOUNTS = "You haven't connected anywhere to post yet. Send /connect to add a channel."

# The preview.
PREVIEW_TITLE = "<b>Preview</b>"
PREVIEW_TARGET = "📣 {account}"
PREVIEW_WHEN = "🕘 <b>{when}</b> ({zone}), {until}"
PREVIEW_LENGTH = "✍️ {length} / {limit} characters on {platform}"
PREVIEW_TOO_LONG = "❌ Too long for {platform} by {over}. Shorten it and send the request again."
PREVIEW_NEEDS_RECONNECT = "⚠️ {account} needs reconnecting before this can be posted: /connect."
PREVIEW_TRUNCATED = "<i>(showing the first {shown} of {total} characters)</i>"
NOTE_DST_GAP = (
    "⚠️ That wall time does not exist on that day (clocks go forward), so it was moved forward."
)
NOTE_DST_FOLD = (
    "⚠️ That wall time happens twice on that day (clocks go back); the first one was taken."
)
NOTE_BARE_HOUR = "ℹ️ You gave an hour without am/pm; I took the next one to come."
NOTE_DEFAULT_TIME = "ℹ️ No time given, so 09:00."
NOTE_NEXT_YEAR = "ℹ️ That date has passed this year, so it's next year's."
SCHEDULE_BUTTON = "✅ Schedule"
CHANGE_TIME_BUTTON = "🕒 Change time"
CANCEL_BUTTON = "✖️ Cancel"
PREVIEW_SCHEDULED = (
    "✅ Scheduled for <b>{when}</b> ({zone}), {until}.\n/queue lists your upcoming posts."
)
PREVIEW_CANCELLED = "✖️ Cancelled. Nothing was scheduled."
PREVIEW_EXPIRED = "This preview is no longer available. Send the request again."
PREVIEW_ALREADY_DONE = "This preview was already {status}."
ASK_NEW_TIME = (
    "When should it go out instead? "
    "E.g. <i>tomorrow 9am</i>, <i>Monday 18:30</i> or <i>in 2 hours</i>."
)
PREVIEW_TIME_CHANGED = (
    "New time: <b>{when}</b> ({zone}), {until}. Tap <b>Schedule</b> on the preview to confirm."
)
SCHEDULE_TOO_LONG = "This post is too long for {platform} by {over}, so it can't be scheduled."
SCHEDULE_FAILED_QUEUE = (
    "I couldn't queue the post just now, so nothing was scheduled. "
    "Tap <b>Schedule</b> again in a minute."
)

# Ownership and stale buttons.
NOT_YOURS = "That button belongs to someone else's post, so I ignored it."
POST_GONE = "That post no longer exists."
POST_ALREADY = "That post is already {status}, so nothing was changed."

# /queue
QUEUE_EMPTY = (
    "No upcoming posts. Schedule one with e.g. <i>post this to my channel tomorrow 9am</i>."
)
QUEUE_TITLE = "<b>Upcoming posts</b> ({count})"
QUEUE_ITEM = "{number}. <b>{when}</b> · {target}\n    “{snippet}”"
QUEUE_PAGE = "<i>Showing {first}–{last} of {count}.</i>"
QUEUE_CANCEL_BUTTON = "✖️ Cancel {number}"
QUEUE_RESCHEDULE_BUTTON = "🕒 Reschedule {number}"
QUEUE_POST_NOW_BUTTON = "▶️ Post {number} now"
QUEUE_PREVIOUS_BUTTON = "« Earlier"
QUEUE_NEXT_BUTTON = "Later »"
QUEUE_CANCELLED = "✖️ Cancelled “{snippet}”."
QUEUE_POSTING_NOW = "▶️ Posting “{snippet}” now."
ASK_RESCHEDULE_TIME = (
    "When should “{snippet}” go out instead? E.g. <i>tomorrow 9am</i> or <i>in 2 hours</i>."
)
RESCHEDULED = "🕒 “{snippet}” moved to <b>{when}</b> ({zone}), {until}."

# Results of publishing.
POSTED = "✅ Posted to {account}: {link}\n“{snippet}”"
POSTED_NO_LINK = "✅ Posted to {account}.\n“{snippet}”"
POSTED_LATE_DOWN = (
    "It went out {late} later than scheduled ({when}) because postlater wasn't running then."
)
POSTED_LATE_RETRIED = "It went out {late} later than scheduled ({when}), on attempt {attempts}."
FAILED = "❌ Could not post to {account}: {reason}.\n“{snippet}”"
UNKNOWN_OUTCOME = (
    "⚠️ I don't know whether your post to {account} went out: {reason}. "
    "Please check, then tell me.\n“{snippet}”"
)
RETRY_BUTTON = "🔁 Retry"
EDIT_BUTTON = "✏️ Edit"
ASK_EDITED_CONTENT = (
    "Send the new text for “{snippet}”. I'll post it right away, or /cancel to stop."
)
EDITED = "✏️ Updated; posting it now."
RECONNECT_BUTTON = "🔌 Reconnect"
POST_AGAIN_BUTTON = "🔁 Post again"
WAS_POSTED_BUTTON = "✅ It was posted"
RECONNECT_FIRST = (
    "{account} must be reconnected before I can post there: tap Reconnect or send /connect."
)
RETRYING = "🔁 Trying “{snippet}” again now."
MARKED_POSTED = "✅ Noted: “{snippet}” was posted."

# /connect, /accounts, /disconnect
CONNECT_CHOOSE = "Where do you want to post?"
CONNECT_TELEGRAM_BUTTON = "📣 Telegram channel"
CONNECT_CHANNEL = (
    "1. Add me (@{bot}) to your channel as an administrator "
    "with the right to <b>post messages</b>.\n"
    "2. Send me the channel's @username here, or forward any post from the channel "
    "(for private channels).\n\n/cancel to stop."
)
CHANNEL_CONNECTED = "Connected <b>{title}</b>. Try: <i>post this to my channel tomorrow 9am</i>."
CHANNEL_REFERENCE_EXPECTED = (
    "Send the channel's @username (e.g. <i>@acme_news</i>) or forward a post from it, or /cancel."
)
CHANNEL_NOT_FOUND = (
    "I can't find the channel {channel}. Check the username, or forward a post from the "
    "channel instead (private channels have no username)."
)
CHANNEL_NOT_A_CHANNEL = "{channel} is not a channel. I can post to channels only."
CHANNEL_BOT_NOT_ADMIN = (
    "I'm not an administrator of <b>{title}</b>. Add me (@{bot}) as an administrator with the "
    "right to post messages, then send the channel again."
)
CHANNEL_BOT_CANNOT_POST = (
    "I'm an administrator of <b>{title}</b> but may not post messages. Turn on "
    "<b>Post messages</b> for me in the channel's administrator settings, "
    "then send the channel again."
)
CHANNEL_USER_NOT_ADMIN = (
    "You aren't an administrator of <b>{title}</b>, so you can't connect it. "
    "Ask its owner to make you an administrator first."
)
FORWARD_NOT_FROM_CHANNEL = (
    "That message wasn't forwarded from a channel. Forward a post from your channel, "
    "or send its @username."
)
TELEGRAM_UNREACHABLE = "I couldn't reach Telegram just now. Please try again in a minute."
ACCOUNTS_EMPTY = "You have no connected accounts. Send /connect to add a channel."
ACCOUNTS_TITLE = "<b>Your accounts</b>"
ACCOUNT_ITEM = "{number}. {account}{status}"
ACCOUNT_NEEDS_RECONNECT = " – ⚠️ needs reconnecting (/connect)"
ACCOUNTS_FOOTER = "Add one with /connect, remove one with /disconnect."
DISCONNECT_CHOOSE = "Which account should I disconnect?"
DISCONNECT_CONFIRM = "Disconnect {account}? {posts}"
DISCONNECT_CONFIRM_POSTS = "Its {count} upcoming post(s) will be cancelled."
DISCONNECT_CONFIRM_NO_POSTS = "It has no upcoming posts."
DISCONNECT_YES_BUTTON = "Disconnect"
DISCONNECT_NO_BUTTON = "Keep it"
DISCONNECTED = "Disconnected {account}. Cancelled {count} upcoming post(s)."
DISCONNECT_KEPT = "OK, kept {account}."
ACCOUNT_GONE = "That account is no longer connected."
ACCOUNT_NO_LONGER_CONNECTED = (
    "{name} is no longer connected, so this can't be scheduled. Connect it again with /connect "
    "and send the request again."
)

# Errors the bot did not expect.
SOMETHING_WENT_WRONG = "Sorry, something went wrong on my side. Please try again in a minute."
BUTTON_EXPIRED = "This button no longer works. /queue shows your upcoming posts."

# Several accounts at once, and OAuth logins.
SETTLED_TITLE = "Results for “{snippet}”:"
SETTLED_POSTED = "✅ {account}: {link}"
SETTLED_POSTED_NO_LINK = "✅ {account}: posted"
SETTLED_FAILED = "❌ {account}: {reason}"
SETTLED_UNKNOWN = "⚠️ {account}: not known whether it went out ({reason})"
RETRY_FAILED_BUTTON = "🔁 Retry failed"
RECONNECT_PLATFORM_BUTTON = "🔌 Reconnect {platform}"
WAS_POSTED_ON_BUTTON = "✅ It was posted on {platform}"
POST_AGAIN_ON_BUTTON = "🔁 Post again on {platform}"
RETRYING_FAILED = "🔁 Trying the failed posts of “{snippet}” again now."
CONNECT_LOGIN = "Log in to {platform} to connect your account. The link works once, for 10 minutes."
LOGIN_BUTTON = "Log in to {platform}"
ACCOUNT_CONNECTED = (
    "{platform} connected as <b>{name}</b>. Try: <i>post this to {example} tomorrow 9am</i>."
)
LOGIN_FAILED = "Could not connect {platform}: {reason}. Send /connect to try again."
TOKEN_EXPIRING = (
    "⚠️ Your {platform} login ({name}) expires on {when}. Posts after that would fail, "
    "so reconnect before then: /connect."
)
PREVIEW_TOKEN_EXPIRES = (
    "⚠️ Your {platform} login expires on {when}, before this post's time; "
    "reconnect before then (/connect)."
)
