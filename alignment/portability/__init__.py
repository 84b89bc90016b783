"""The whole programme in one file and back: `export_programme` / `import_programme`
(management commands) and the security team's page /programme/transfer/."""
