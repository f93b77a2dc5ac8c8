package blogexporter

const killChildEnv = "BLOGEXPORTER_KILL_CHILD_DIR"

func runKillChild(dir string) {}
