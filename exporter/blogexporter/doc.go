// Package blogexporter writes the system blog: one Markdown post per incident
// (updated in place as it develops), legacy blog and anomaly posts, a daily
// digest, their HTML pages, an index and an Atom feed, all in one directory.
package blogexporter // import "github.com/unitrack/unitrack/exporter/blogexporter"
