-- Maturity assessments (issue #8): assessments, the current answer per question, and every
-- change of an answer. Values, links and models are JSON text (their meaning is
-- steward-assess's, not the database's).

CREATE TABLE assessments (
    id            bigserial PRIMARY KEY,
    title         text NOT NULL,
    scope         text NOT NULL,
    scope_ref     text,
    models        text NOT NULL,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL,
    state         text NOT NULL,
    completed_by  text,
    completed_at  timestamptz
);
-- History and comparison pages read the assessments of one scope.
CREATE INDEX assessments_by_scope ON assessments (scope, scope_ref);

CREATE TABLE assessment_answers (
    assessment_id  bigint NOT NULL REFERENCES assessments (id),
    question_id    text NOT NULL,
    value          text,
    source         text NOT NULL,
    evidence       text,
    comment        text,
    links          text NOT NULL,
    answered_by    text NOT NULL,
    answered_at    timestamptz NOT NULL,
    PRIMARY KEY (assessment_id, question_id)
);

CREATE TABLE assessment_answer_events (
    id             bigserial PRIMARY KEY,
    assessment_id  bigint NOT NULL REFERENCES assessments (id),
    question_id    text NOT NULL,
    value          text,
    source         text NOT NULL,
    evidence       text,
    comment        text,
    links          text NOT NULL,
    answered_by    text NOT NULL,
    answered_at    timestamptz NOT NULL
);
CREATE INDEX assessment_answer_events_by_assessment ON assessment_answer_events (assessment_id, id);
