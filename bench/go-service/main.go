// Command catalog is a small but real item-catalog service, used by `npm run bench:strategy`
// to time multi-arch builds of a Go program with a realistic dependency graph.
//
// It serves, on one port, a JSON HTTP API (gorilla/mux), Prometheus metrics, and gRPC (health,
// reflection, channelz) over h2c; it is configured with cobra + viper (flags, env, YAML file),
// logs with zap, and can back up its items to an S3-compatible bucket with aws-sdk-go. It builds
// in GOPATH mode (GO111MODULE=off) against the library sources that Debian's golang-*-dev
// packages install under /usr/share/gocode/src.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"
	"go.uber.org/zap"
	"gopkg.in/yaml.v3"
)

// Set with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if err := newRootCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func newRootCommand() *cobra.Command {
	v := viper.New()
	root := &cobra.Command{
		Use:           "catalog",
		Short:         "Item catalog service: HTTP JSON API, gRPC health, Prometheus metrics",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return loadConfig(v, cmd)
		},
	}
	root.PersistentFlags().String("config", "", "YAML config file (default: $CATALOG_CONFIG, else built-in defaults)")
	root.PersistentFlags().String("log-level", "info", "log level: debug, info, warn, error")
	root.PersistentFlags().Bool("log-json", true, "log as JSON (false: console format)")

	serve := &cobra.Command{
		Use:   "serve",
		Short: "Run the service",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := configFrom(v)
			if err != nil {
				return err
			}
			logger, err := newLogger(cfg)
			if err != nil {
				return err
			}
			defer logger.Sync() //nolint:errcheck
			return run(cmd.Context(), cfg, logger)
		},
	}
	serve.Flags().String("listen", ":8080", "address for HTTP and gRPC (h2c)")
	serve.Flags().Duration("shutdown-timeout", defaultShutdownTimeout, "grace period for in-flight requests")
	serve.Flags().String("backup-bucket", "", "S3 bucket to back items up to (empty: no backup)")
	serve.Flags().Duration("backup-interval", defaultBackupInterval, "how often to back up")

	printConfig := &cobra.Command{
		Use:   "config",
		Short: "Print the effective configuration as YAML",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := configFrom(v)
			if err != nil {
				return err
			}
			enc := yaml.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent(2)
			return enc.Encode(cfg)
		},
	}

	versionCmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "catalog %s %s/%s %s\n", version, runtime.GOOS, runtime.GOARCH, runtime.Version())
		},
	}

	root.AddCommand(serve, printConfig, versionCmd)
	for _, c := range []*cobra.Command{root, serve} {
		flags := c.Flags()
		if c == root {
			flags = c.PersistentFlags()
		}
		if err := v.BindPFlags(flags); err != nil {
			panic(err)
		}
	}
	return root
}

func loadConfig(v *viper.Viper, cmd *cobra.Command) error {
	v.SetEnvPrefix("CATALOG")
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_"))
	v.AutomaticEnv()
	path := v.GetString("config")
	if path == "" {
		return nil
	}
	v.SetConfigFile(path)
	if err := v.ReadInConfig(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func newLogger(cfg Config) (*zap.Logger, error) {
	zc := zap.NewProductionConfig()
	if !cfg.LogJSON {
		zc = zap.NewDevelopmentConfig()
	}
	if err := zc.Level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, fmt.Errorf("log-level %q: %w", cfg.LogLevel, err)
	}
	return zc.Build(zap.Fields(zap.String("service", "catalog"), zap.String("version", version)))
}
