DROP TABLE usage_events;
DROP TABLE quota_usage;
DROP TABLE messages;
DROP TABLE conversations;
