//! harness-sandbox: run host steps that execute tree content inside bubblewrap.
