package metagen

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedFilesAreCurrent fails when a component's metadata.yaml and
// the internal/metadata files generated from it disagree: run `make generate`.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	root := filepath.Join("..", "..")
	dirs, err := Components(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 10 {
		t.Fatalf("found %d components with a metadata.yaml below %s, expected every component of the tree", len(dirs), root)
	}
	for _, dir := range dirs {
		files, err := Files(dir)
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			continue
		}
		for rel, want := range files {
			got, err := os.ReadFile(filepath.Join(dir, rel))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s is not what metadata.yaml generates (run `make generate`)", filepath.Join(dir, rel))
			}
		}
		entries, _ := os.ReadDir(filepath.Join(dir, "internal", "metadata"))
		for _, e := range entries {
			rel := filepath.Join("internal", "metadata", e.Name())
			if _, generated := files[rel]; !generated {
				t.Errorf("%s: the metadata package holds only generated files; this one is not generated (stale or hand-written)", filepath.Join(dir, rel))
			}
		}
	}
}

func TestFilesFromAMetadataYAML(t *testing.T) {
	dir := component(t, `type: demo
status:
  class: exporter
  stability:
    alpha: [logs]
    development: [traces]
sending_queue:
  overrides:
    enabled: false
telemetry:
  metrics:
    exporter_demo_things_done:
      enabled: true
      description: >-
        Things done,
        folded.
      unit: "{thing}"
      sum:
        value_type: int
        monotonic: true
`)
	files, err := Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	status := string(files[filepath.Join("internal", "metadata", "generated_status.go")])
	for _, want := range []string{
		Header,
		`Type      = component.MustNewType("demo")`,
		`ScopeName = "example.com/demo/exporter/demoexporter"`,
		`LogsStability   = component.StabilityLevelAlpha`,
		`TracesStability = component.StabilityLevelDevelopment`,
		`return configoptional.Default(exporterhelper.NewDefaultQueueConfig())`,
	} {
		if !strings.Contains(status, want) {
			t.Errorf("generated_status.go lacks %q:\n%s", want, status)
		}
	}
	tel := string(files[filepath.Join("internal", "metadata", "generated_telemetry.go")])
	for _, want := range []string{
		`ExporterDemoThingsDone metric.Int64Counter`,
		`"otelcol_exporter_demo_things_done"`,
		`metric.WithDescription("Things done, folded. [Alpha]")`,
		`metric.WithUnit("{thing}")`,
	} {
		if !strings.Contains(tel, want) {
			t.Errorf("generated_telemetry.go lacks %q:\n%s", want, tel)
		}
	}
}

func TestNoTelemetryFileWithoutMetrics(t *testing.T) {
	dir := component(t, "type: demo\nstatus:\n  class: extension\n  stability:\n    beta: [extension]\n")
	files, err := Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 {
		t.Fatalf("got %d files, want only generated_status.go", len(files))
	}
	if s := string(files[filepath.Join("internal", "metadata", "generated_status.go")]); !strings.Contains(s, "ExtensionStability = component.StabilityLevelBeta") {
		t.Fatalf("status:\n%s", s)
	}
}

func TestRefusesWhatItCannotGenerate(t *testing.T) {
	for name, yaml := range map[string]string{
		"gauge":     "type: d\nstatus: {class: receiver, stability: {alpha: [logs]}}\ntelemetry: {metrics: {m: {enabled: true, unit: '1', gauge: {value_type: int}}}}\n",
		"float sum": "type: d\nstatus: {class: receiver, stability: {alpha: [logs]}}\ntelemetry: {metrics: {m: {enabled: true, unit: '1', sum: {value_type: double, monotonic: true}}}}\n",
		"disabled":  "type: d\nstatus: {class: receiver, stability: {alpha: [logs]}}\ntelemetry: {metrics: {m: {enabled: false, unit: '1', sum: {value_type: int, monotonic: true}}}}\n",
		"no class":  "type: d\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Files(component(t, yaml)); err == nil {
				t.Fatal("no error")
			} else if name != "no class" && !strings.Contains(err.Error(), "telemetry::metrics::m") {
				t.Fatalf("error does not name the metric: %v", err)
			}
		})
	}
}

func TestWriteRemovesAStaleTelemetryFile(t *testing.T) {
	dir := component(t, "type: demo\nstatus:\n  class: extension\n  stability:\n    alpha: [extension]\n")
	stale := filepath.Join(dir, "internal", "metadata", "generated_telemetry.go")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("package metadata\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale telemetry file kept: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "internal", "metadata", "generated_status.go")); err != nil {
		t.Fatal(err)
	}
}

// component makes a module example.com/demo with exporter/demoexporter/metadata.yaml.
func component(t *testing.T, metadataYAML string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/demo\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "exporter", "demoexporter")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "metadata.yaml"), []byte(metadataYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
