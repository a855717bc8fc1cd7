/* metrics.c - operations endpoints: /healthz, and /metrics with request
 * counters and latency histograms per route in Prometheus text format.
 *
 * Recording is lock-free (relaxed atomic adds into fixed arrays indexed by
 * route and status), so it costs a few nanoseconds on the hot path. */
#include <stdatomic.h>
#include <stdio.h>

#include "app.h"
#include "core/sb.h"
#include "http/http.h"
#include "store/store.h"

#define MAX_ROUTES 128
static const int statuses[] = {200, 201, 204, 400, 401, 403, 404, 405, 409, 413,
			       415, 422, 429, 431, 500, 503, 0 /* other */};
#define NSTATUS (sizeof statuses / sizeof statuses[0])
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
				0.05, 0.1, 0.25, 0.5, 1, 2.5};
#define NBUCKET (sizeof bounds / sizeof bounds[0])

/* Row MAX_ROUTES counts requests that matched no route. */
static atomic_uint_fast64_t count[MAX_ROUTES + 1][NSTATUS];
static atomic_uint_fast64_t bucket[MAX_ROUTES + 1][NBUCKET + 1];
static atomic_uint_fast64_t sum_ns[MAX_ROUTES + 1];

_Static_assert(MAX_ROUTES >= 64, "room for the route table");

static int row(int route_index)
{
	return route_index < 0 || route_index >= MAX_ROUTES ? MAX_ROUTES : route_index;
}

void http_metrics_record(int route_index, int status, int64_t ns)
{
	int rw = row(route_index);
	size_t s = 0;
	while (statuses[s] && statuses[s] != status)
		s++;
	atomic_fetch_add_explicit(&count[rw][s], 1, memory_order_relaxed);
	double secs = (double)ns / 1e9;
	size_t b = 0;
	while (b < NBUCKET && secs > bounds[b])
		b++;
	atomic_fetch_add_explicit(&bucket[rw][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sum_ns[rw], (uint_fast64_t)(ns > 0 ? ns : 0), memory_order_relaxed);
}

static void route_label(struct sb *sb, int rw)
{
	if (rw == MAX_ROUTES)
		sb_adds(sb, "route=\"unmatched\"");
	else
		sb_addf(sb, "route=\"%s %s\"", http_routes[rw].method, http_routes[rw].pattern);
}

void http_metrics_handler(struct req *r)
{
	static char text_type[] = "text/plain; version=0.0.4; charset=utf-8";
	char buf[4096];
	struct sb sb;
	sb_init(&sb, buf, sizeof buf, 4 << 20);
	sb_adds(&sb, "# HELP tribu_http_requests_total HTTP requests by route and status.\n"
		     "# TYPE tribu_http_requests_total counter\n");
	for (int rw = 0; rw <= MAX_ROUTES; rw++) {
		if (rw < MAX_ROUTES && (size_t)rw >= http_routes_count)
			continue;
		for (size_t s = 0; s < NSTATUS; s++) {
			uint_fast64_t v = atomic_load_explicit(&count[rw][s], memory_order_relaxed);
			if (!v)
				continue;
			sb_adds(&sb, "tribu_http_requests_total{");
			route_label(&sb, rw);
			if (statuses[s])
				sb_addf(&sb, ",status=\"%d\"} %llu\n", statuses[s], (unsigned long long)v);
			else
				sb_addf(&sb, ",status=\"other\"} %llu\n", (unsigned long long)v);
		}
	}
	sb_adds(&sb, "# HELP tribu_http_request_duration_seconds Time from first byte to response.\n"
		     "# TYPE tribu_http_request_duration_seconds histogram\n");
	for (int rw = 0; rw <= MAX_ROUTES; rw++) {
		if (rw < MAX_ROUTES && (size_t)rw >= http_routes_count)
			continue;
		uint_fast64_t cum = 0;
		for (size_t b = 0; b <= NBUCKET; b++)
			cum += atomic_load_explicit(&bucket[rw][b], memory_order_relaxed);
		if (!cum)
			continue;
		uint_fast64_t acc = 0;
		for (size_t b = 0; b <= NBUCKET; b++) {
			acc += atomic_load_explicit(&bucket[rw][b], memory_order_relaxed);
			sb_adds(&sb, "tribu_http_request_duration_seconds_bucket{");
			route_label(&sb, rw);
			if (b < NBUCKET)
				sb_addf(&sb, ",le=\"%g\"} %llu\n", bounds[b], (unsigned long long)acc);
			else
				sb_addf(&sb, ",le=\"+Inf\"} %llu\n", (unsigned long long)acc);
		}
		sb_adds(&sb, "tribu_http_request_duration_seconds_sum{");
		route_label(&sb, rw);
		sb_addf(&sb, "} %.6f\n", (double)atomic_load(&sum_ns[rw]) / 1e9);
		sb_adds(&sb, "tribu_http_request_duration_seconds_count{");
		route_label(&sb, rw);
		sb_addf(&sb, "} %llu\n", (unsigned long long)acc);
	}
	sb_addf(&sb, "# HELP tribu_db_seconds_total Time spent in the database.\n"
		     "# TYPE tribu_db_seconds_total counter\n"
		     "tribu_db_seconds_total %.6f\n", (double)store_time_ns() / 1e9);
	int64_t queued = 0;
	store_jobs_queued(r->app->store, &queued);
	sb_addf(&sb, "# HELP tribu_jobs_queued Jobs waiting to run.\n"
		     "# TYPE tribu_jobs_queued gauge\n"
		     "tribu_jobs_queued %lld\n", (long long)queued);
	if (sb_err(&sb)) {
		sb_free(&sb);
		http_error(r, 500, "internal_error", "metrics too large", NULL);
		return;
	}
	r->status = 200;
	r->out_text = arena_strndup(r->a, sb_str(&sb), sb_len(&sb));
	r->out_type = text_type;
	sb_free(&sb);
	if (!r->out_text)
		http_error(r, 500, "internal_error", "metrics too large", NULL);
}

void http_health_handler(struct req *r)
{
	r->status = 200;
	r->out_text = "{\"status\":\"ok\"}";
}
