package kit

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics holds the per-operation request metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics registers the request metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "specfirst_http_requests_total",
			Help: "HTTP requests by API, spec operation and status code.",
		}, []string{"api", "operation", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "specfirst_http_request_duration_seconds",
			Help:    "HTTP request latency by API and spec operation.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"api", "operation"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

func (m *Metrics) observe(api, op string, status int, d time.Duration) {
	m.requests.WithLabelValues(api, op, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(api, op).Observe(d.Seconds())
}
