-- Support steps a maker declares (support strategy seed: hand-over and knowledge transfer move a
-- resource toward IT supported).
ALTER TABLE resource_governance ADD COLUMN handover_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE resource_governance ADD COLUMN knowledge_transfer_done INTEGER NOT NULL DEFAULT 0;
