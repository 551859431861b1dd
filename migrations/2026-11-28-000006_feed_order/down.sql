DROP INDEX activities_starts;
