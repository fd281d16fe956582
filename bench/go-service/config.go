package main

import (
	"fmt"
	"time"

	"github.com/spf13/viper"
)

const (
	defaultShutdownTimeout = 15 * time.Second
	defaultBackupInterval  = 5 * time.Minute
)

// Config is the effective configuration: defaults < YAML file < CATALOG_* env < flags.
type Config struct {
	Listen          string        `yaml:"listen" mapstructure:"listen"`
	LogLevel        string        `yaml:"log-level" mapstructure:"log-level"`
	LogJSON         bool          `yaml:"log-json" mapstructure:"log-json"`
	ShutdownTimeout time.Duration `yaml:"shutdown-timeout" mapstructure:"shutdown-timeout"`
	Backup          BackupConfig  `yaml:"backup" mapstructure:"backup"`
	// Seed items loaded at start-up, keyed by ID.
	Seed map[string]Item `yaml:"seed,omitempty" mapstructure:"seed"`
}

// BackupConfig: where and how often items are written to S3 (or an S3-compatible store).
type BackupConfig struct {
	Bucket   string        `yaml:"bucket" mapstructure:"bucket"`
	Prefix   string        `yaml:"prefix" mapstructure:"prefix"`
	Region   string        `yaml:"region" mapstructure:"region"`
	Endpoint string        `yaml:"endpoint,omitempty" mapstructure:"endpoint"`
	Interval time.Duration `yaml:"interval" mapstructure:"interval"`
}

func configFrom(v *viper.Viper) (Config, error) {
	v.SetDefault("listen", ":8080")
	v.SetDefault("log-level", "info")
	v.SetDefault("log-json", true)
	v.SetDefault("shutdown-timeout", defaultShutdownTimeout)
	v.SetDefault("backup.prefix", "catalog/")
	v.SetDefault("backup.region", "us-east-1")
	v.SetDefault("backup.interval", defaultBackupInterval)
	// Flat flags override the nested keys.
	if b := v.GetString("backup-bucket"); b != "" {
		v.Set("backup.bucket", b)
	}
	if v.IsSet("backup-interval") {
		v.Set("backup.interval", v.GetDuration("backup-interval"))
	}
	var cfg Config
	if err := v.Unmarshal(&cfg); err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	if cfg.Listen == "" {
		return cfg, fmt.Errorf("config: listen must not be empty")
	}
	if cfg.Backup.Bucket != "" && cfg.Backup.Interval < time.Second {
		return cfg, fmt.Errorf("config: backup.interval %s is too short", cfg.Backup.Interval)
	}
	return cfg, nil
}
