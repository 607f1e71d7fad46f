-- Cost records (issue #7): price overrides, imported licence assignments, cost centres, budgets,
-- allocation rules, people costs and monthly consumption, one keyed JSON document each. They are
-- few and read whole per kind; steward-cost owns their typed form and checks what it reads back.
CREATE TABLE cost_records (
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    body        TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
