package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/s3/s3manager"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// backup writes a JSON snapshot of the store to S3 whenever it changed since the last one.
type backup struct {
	cfg      BackupConfig
	store    *Store
	log      *zap.Logger
	uploader *s3manager.Uploader
	last     uint64
	runs     *prometheus.CounterVec
}

func newBackup(cfg BackupConfig, store *Store, log *zap.Logger, reg prometheus.Registerer) (*backup, error) {
	awsCfg := aws.NewConfig().WithRegion(cfg.Region)
	if cfg.Endpoint != "" {
		awsCfg = awsCfg.WithEndpoint(cfg.Endpoint).WithS3ForcePathStyle(true)
	}
	sess, err := session.NewSessionWithOptions(session.Options{Config: *awsCfg, SharedConfigState: session.SharedConfigEnable})
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	runs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "catalog", Name: "backups_total", Help: "Backups by result.",
	}, []string{"result"})
	reg.MustRegister(runs)
	return &backup{cfg: cfg, store: store, log: log, uploader: s3manager.NewUploader(sess), runs: runs}, nil
}

func (b *backup) loop(ctx context.Context) error {
	t := time.NewTicker(b.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			// One last snapshot on the way out, with a short deadline of its own.
			fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			b.once(fctx)
			return nil
		case <-t.C:
			b.once(ctx)
		}
	}
}

func (b *backup) once(ctx context.Context) {
	items, changes := b.store.Snapshot()
	if changes == b.last {
		b.runs.WithLabelValues("unchanged").Inc()
		return
	}
	out := make([]itemJSON, len(items))
	for i, it := range items {
		out[i] = toJSON(it)
	}
	body, err := json.Marshal(out)
	if err != nil {
		b.fail(err)
		return
	}
	key := fmt.Sprintf("%s%s.json", b.cfg.Prefix, time.Now().UTC().Format("20060102T150405Z"))
	res, err := b.uploader.UploadWithContext(ctx, &s3manager.UploadInput{
		Bucket:      aws.String(b.cfg.Bucket),
		Key:         aws.String(key),
		Body:        bytes.NewReader(body),
		ContentType: aws.String("application/json"),
	})
	if err != nil {
		b.fail(err)
		return
	}
	b.last = changes
	b.runs.WithLabelValues("ok").Inc()
	b.log.Info("backed up", zap.String("location", res.Location), zap.Int("items", len(items)))
}

func (b *backup) fail(err error) {
	b.runs.WithLabelValues("error").Inc()
	b.log.Warn("backup failed", zap.Error(err))
}
