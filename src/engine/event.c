/*
 * event.c: names for the event stream's words, and the fan-out that lets
 * several consumers read one stream.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "engine/event.h"

static const char *event_names[EV_NTYPES] = {
	"run_start", "worker_start", "task_start", "output", "task_done",
	"task_fail", "task_retry", "result", "worker_exit", "worker_state",
	"run_end", "spawn_fail", "task_skip", "sentinel", "task_submit"
};


static const char *state_names[WS_NSTATES] = {
	"starting", "idle", "busy", "paused", "exiting", "exited", "crashed",
	"stopped"
};

const char *
event_type_name(int type)
{
	if (type < 0 || type >= EV_NTYPES)
		return "unknown";
	return event_names[type];
}

const char *
worker_state_name(int state)
{
	if (state < 0 || state >= WS_NSTATES)
		return "unknown";
	return state_names[state];
}

void
event_value_format(int vkind, int64_t value, const char *text, size_t len,
    char *buf, size_t buflen)
{
	size_t		i, o;
	unsigned char	c;

	if (text == NULL)
		len = 0;
	switch (vkind) {
	case VAL_INT:
		if (buflen >= 24)
			*util_put_i64(buf, value) = '\0';	/* hot: 1M results */
		else
			snprintf(buf, buflen, "%" PRId64, value);
		break;
	case VAL_ERROR:
		/* As Python's repr() of an exception would read. */
		o = 0;
		o += snprintf(buf, buflen, "TaskError('");
		for (i = 0; i < len && o + 8 < buflen; i++) {
			c = (unsigned char)text[i];
			if (c == '\'' || c == '\\')
				o += snprintf(buf + o, buflen - o, "\\%c", c);
			else if (c < 0x20 || c == 0x7f)
				o += snprintf(buf + o, buflen - o, "\\x%02x", c);
			else
				buf[o++] = c;
		}
		if (o + 3 <= buflen)
			snprintf(buf + o, buflen - o, "')");
		else if (buflen > 0)
			buf[buflen - 1] = '\0';
		break;
	case VAL_TEXT:
	case VAL_EXC:
		/* A Python program's own repr(), as it is. */
		snprintf(buf, buflen, "%.*s", (int)len, len ? text : "");
		break;
	default:
		strlcpy(buf, "None", buflen);
		break;
	}
}

static void
fanout_event(void *arg, const struct event *ev)
{
	struct event_fanout	*f = arg;
	const struct event_sink	*s;
	int			 i, n;

	if (ev->type < 0 || ev->type >= EV_NALL)
		return;
	n = f->nby_type[ev->type];
	for (i = 0; i < n; i++) {
		s = &f->sinks[f->by_type[ev->type][i]];
		s->event(s->arg, ev);
	}
}

static void
fanout_flush(void *arg)
{
	struct event_fanout	*f = arg;
	int			 i;

	for (i = 0; i < f->n; i++)
		if (f->sinks[i].flush != NULL)
			f->sinks[i].flush(f->sinks[i].arg);
}

void
event_fanout_add(struct event_fanout *f, const struct event_sink *s)
{
	int	type;

	if (f->n == EVENT_FANOUT_MAX)
		fatalx("event_fanout_add: too many sinks");
	for (type = 0; type < EV_NALL; type++)
		if (s->event != NULL && (s->want & EVENT_BIT(type)))
			f->by_type[type][f->nby_type[type]++] = (uint8_t)f->n;
	f->sinks[f->n++] = *s;
}

struct event_sink
event_fanout_sink(struct event_fanout *f)
{
	struct event_sink	s = { fanout_event, fanout_flush, f, 0 };
	int			i, bulk = 1;

	if (f->n == 1 && f->sinks[0].event != NULL)
		return f->sinks[0];	/* one reader: no fan-out needed */

	for (i = 0; i < f->n; i++) {
		if (f->sinks[i].event == NULL)
			continue;
		s.want |= f->sinks[i].want;
		/* A reader of per-task events that does not take bulk ones
		 * gets per-task events, and so does everybody. */
		if ((f->sinks[i].want & EVENT_PER_TASK) &&
		    (f->sinks[i].want & EVENT_BULK) != EVENT_BULK)
			bulk = 0;
	}
	s.want = bulk ? s.want | EVENT_BULK : s.want & ~EVENT_BULK;
	return s;
}
