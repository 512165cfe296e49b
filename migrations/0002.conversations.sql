-- depends: 0001.tasks
-- Conversations and their messages (SPEC 6). Messages carry user_id too, so
-- every statement on them can filter by the authenticated user directly.
CREATE TABLE conversations (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    TEXT        NOT NULL CHECK (char_length(user_id) BETWEEN 1 AND 255),
    title      TEXT        NOT NULL DEFAULT '' CHECK (char_length(title) <= 80),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The conversation list: one user's, most recently updated first.
CREATE INDEX conversations_user_updated ON conversations (user_id, updated_at DESC, id DESC);

CREATE TABLE messages (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id BIGINT      NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         TEXT        NOT NULL,
    role            TEXT        NOT NULL CHECK (role IN ('user', 'assistant')),
    content         TEXT        NOT NULL,
    tool_calls      JSONB       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(tool_calls) = 'array'),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- History and paging read a conversation's messages newest first by id.
CREATE INDEX messages_conversation_id ON messages (conversation_id, id DESC);
