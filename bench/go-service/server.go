package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapgrpc"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	channelz "google.golang.org/grpc/channelz/service"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/grpclog"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	grpcReqs *prometheus.CounterVec
	items    prometheus.GaugeFunc
}

func newMetrics(reg prometheus.Registerer, store *Store) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "catalog", Name: "http_requests_total", Help: "HTTP requests by route, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "catalog", Name: "http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"route"}),
		grpcReqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "catalog", Name: "grpc_requests_total", Help: "gRPC requests by method and code.",
		}, []string{"method", "code"}),
		items: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "catalog", Name: "items", Help: "Items in the catalog.",
		}, func() float64 { return float64(store.Len()) }),
	}
	reg.MustRegister(m.requests, m.latency, m.grpcReqs, m.items,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector())
	return m
}

// instrument wraps a route's handler with the request counter and latency histogram.
func (m *metrics) instrument(route string, h http.HandlerFunc) http.Handler {
	return promhttp.InstrumentHandlerCounter(m.requests.MustCurryWith(prometheus.Labels{"route": route}),
		promhttp.InstrumentHandlerDuration(m.latency.MustCurryWith(prometheus.Labels{"route": route}), h))
}

func (m *metrics) unaryInterceptor(ctx context.Context, req interface{}, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (interface{}, error) {
	resp, err := handler(ctx, req)
	m.grpcReqs.WithLabelValues(info.FullMethod, status.Code(err).String()).Inc()
	return resp, err
}

type api struct {
	store *Store
	log   *zap.Logger
	ready func() bool
}

func run(ctx context.Context, cfg Config, log *zap.Logger) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	store := NewStore(cfg.Seed)
	reg := prometheus.NewRegistry()
	m := newMetrics(reg, store)
	grpclog.SetLoggerV2(zapgrpc.NewLogger(log.Named("grpc")))

	hs := health.NewServer()
	gs := grpc.NewServer(
		grpc.ChainUnaryInterceptor(m.unaryInterceptor),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: 5 * time.Minute, Time: time.Minute}),
	)
	healthpb.RegisterHealthServer(gs, hs)
	reflection.Register(gs)
	channelz.RegisterChannelzServiceToServer(gs)

	a := &api{store: store, log: log, ready: func() bool { return ctx.Err() == nil }}
	r := mux.NewRouter()
	r.Handle("/healthz", m.instrument("healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") }))
	r.Handle("/readyz", m.instrument("readyz", a.readyz))
	r.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg, EnableOpenMetrics: true}))
	v1 := r.PathPrefix("/v1").Subrouter()
	v1.Handle("/items", m.instrument("items", a.listItems)).Methods(http.MethodGet)
	v1.Handle("/items/{id:[A-Za-z0-9._-]+}", m.instrument("item", a.getItem)).Methods(http.MethodGet)
	v1.Handle("/items/{id:[A-Za-z0-9._-]+}", m.instrument("item", a.putItem)).Methods(http.MethodPut)
	v1.Handle("/items/{id:[A-Za-z0-9._-]+}", m.instrument("item", a.deleteItem)).Methods(http.MethodDelete)
	r.Use(a.accessLog)

	// gRPC and HTTP/1.1 + h2c share the port: route by content type.
	root := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.ProtoMajor == 2 && strings.HasPrefix(req.Header.Get("Content-Type"), "application/grpc") {
			gs.ServeHTTP(w, req)
			return
		}
		r.ServeHTTP(w, req)
	})
	srv := &http.Server{
		Handler:           h2c.NewHandler(root, &http2.Server{MaxConcurrentStreams: 250}),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	log.Info("listening", zap.String("addr", ln.Addr().String()), zap.Int("seed_items", store.Len()))
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	if cfg.Backup.Bucket != "" {
		b, err := newBackup(cfg.Backup, store, log.Named("backup"), reg)
		if err != nil {
			return err
		}
		g.Go(func() error { return b.loop(gctx) })
	}
	g.Go(func() error {
		<-gctx.Done()
		log.Info("shutting down", zap.Duration("grace", cfg.ShutdownTimeout))
		hs.Shutdown()
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		gs.GracefulStop()
		return srv.Shutdown(sctx)
	})
	return g.Wait()
}

func (a *api) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		next.ServeHTTP(w, r)
		a.log.Debug("request", zap.String("method", r.Method), zap.String("path", r.URL.Path),
			zap.String("remote", r.RemoteAddr), zap.Duration("took", time.Since(start)))
	})
}

func (a *api) readyz(w http.ResponseWriter, _ *http.Request) {
	if !a.ready() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ready\n")
}

// itemJSON is the wire form: Item plus its attributes as JSON (through protojson).
type itemJSON struct {
	Item
	Attributes json.RawMessage `json:"attributes,omitempty"`
}

func toJSON(it Item) itemJSON {
	out := itemJSON{Item: it}
	if it.Attributes != nil {
		if b, err := protojson.Marshal(it.Attributes); err == nil {
			out.Attributes = b
		}
	}
	return out
}

func (a *api) listItems(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	items := a.store.List(r.URL.Query().Get("after"), limit)
	out := make([]itemJSON, len(items))
	for i, it := range items {
		out[i] = toJSON(it)
	}
	writeJSON(w, http.StatusOK, map[string]interface{}{"items": out})
}

func (a *api) getItem(w http.ResponseWriter, r *http.Request) {
	it, err := a.store.Get(mux.Vars(r)["id"])
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("ETag", strconv.FormatUint(it.Version, 10))
	writeJSON(w, http.StatusOK, toJSON(it))
}

func (a *api) putItem(w http.ResponseWriter, r *http.Request) {
	var in itemJSON
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		writeError(w, status.Errorf(codes.InvalidArgument, "body: %v", err))
		return
	}
	it := in.Item
	it.ID = mux.Vars(r)["id"]
	if len(in.Attributes) > 0 {
		it.Attributes = &structpb.Struct{}
		if err := protojson.Unmarshal(in.Attributes, it.Attributes); err != nil {
			writeError(w, status.Errorf(codes.InvalidArgument, "attributes: %v", err))
			return
		}
	}
	var ifVersion uint64
	if m := r.Header.Get("If-Match"); m != "" {
		v, err := strconv.ParseUint(strings.Trim(m, `"`), 10, 64)
		if err != nil {
			writeError(w, status.Errorf(codes.InvalidArgument, "If-Match: %v", err))
			return
		}
		ifVersion = v
	}
	saved, err := a.store.Put(it, ifVersion)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toJSON(saved))
}

func (a *api) deleteItem(w http.ResponseWriter, r *http.Request) {
	if err := a.store.Delete(mux.Vars(r)["id"]); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, code int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, errNotFound):
		code = http.StatusNotFound
	case errors.Is(err, errConflict):
		code = http.StatusPreconditionFailed
	case status.Code(err) == codes.InvalidArgument:
		code = http.StatusBadRequest
	}
	writeJSON(w, code, map[string]string{"error": err.Error()})
}
