-- depends: 0007.rate-limits
-- The IANA time zone a user message was written in (the chat request's
-- `timezone`; NULL: UTC), so a resumed or replayed turn reads its dates in
-- the same zone on any replica.
ALTER TABLE messages ADD COLUMN timezone TEXT
    CHECK (timezone IS NULL OR length(timezone) BETWEEN 1 AND 64);
