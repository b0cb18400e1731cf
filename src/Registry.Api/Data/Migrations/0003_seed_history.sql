-- Which documented cases have been loaded from seeds/, so each is loaded once: a seed case that was
-- later deleted on purpose stays deleted across restarts.
CREATE TABLE seed_history (
    case_id    uuid PRIMARY KEY,
    file       text NOT NULL,
    loaded_at  timestamptz NOT NULL DEFAULT now()
);
