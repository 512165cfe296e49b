-- depends: 0005.task-lists
-- What an assistant turn's LLM calls cost: the model and the prompt and
-- completion tokens the provider reported, summed over the turn's rounds
-- (NULL for the built-in agent, which calls no model).
ALTER TABLE messages ADD COLUMN usage JSONB
    CHECK (usage IS NULL OR jsonb_typeof(usage) = 'object');
