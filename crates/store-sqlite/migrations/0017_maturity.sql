-- Maturity assessments (issue #8): assessments, the current answer per question, and every
-- change of an answer. Times are milliseconds since the Unix epoch; values, links and models
-- are JSON text (their meaning is steward-assess's, not the database's).

CREATE TABLE assessments (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    scope         TEXT NOT NULL,
    scope_ref     TEXT,
    models        TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    state         TEXT NOT NULL,
    completed_by  TEXT,
    completed_at  INTEGER
);
-- History and comparison pages read the assessments of one scope.
CREATE INDEX assessments_by_scope ON assessments (scope, scope_ref);

CREATE TABLE assessment_answers (
    assessment_id  INTEGER NOT NULL REFERENCES assessments (id),
    question_id    TEXT NOT NULL,
    value          TEXT,
    source         TEXT NOT NULL,
    evidence       TEXT,
    comment        TEXT,
    links          TEXT NOT NULL,
    answered_by    TEXT NOT NULL,
    answered_at    INTEGER NOT NULL,
    PRIMARY KEY (assessment_id, question_id)
);

CREATE TABLE assessment_answer_events (
    id             INTEGER PRIMARY KEY,
    assessment_id  INTEGER NOT NULL REFERENCES assessments (id),
    question_id    TEXT NOT NULL,
    value          TEXT,
    source         TEXT NOT NULL,
    evidence       TEXT,
    comment        TEXT,
    links          TEXT NOT NULL,
    answered_by    TEXT NOT NULL,
    answered_at    INTEGER NOT NULL
);
CREATE INDEX assessment_answer_events_by_assessment ON assessment_answer_events (assessment_id, id);
