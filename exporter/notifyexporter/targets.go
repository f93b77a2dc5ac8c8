package notifyexporter

import (
	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target/discord"
	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target/file"
	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target/ntfy"
	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target/slack"
	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target/webhook"
)

// targetTypes are the words `type:` accepts, in the order errors list them.
// This is the only list of them: a new target type is a folder under
// internal/target and one line here.
var targetTypes = target.NewRegistry(
	webhook.Factory,
	slack.Factory,
	discord.Factory,
	ntfy.Factory,
	file.Factory,
)

// settings is what the target's type reads of its configuration.
func (t *TargetConfig) settings() target.Settings {
	return target.Settings{Name: t.Name, Client: t.ClientConfig, Path: t.Path}
}
