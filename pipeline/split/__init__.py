"""Split stage: seeded, stratified, cluster-aware train/val/test assignment."""
