DROP INDEX usage_events_conversation;
