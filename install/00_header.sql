-- swisper_ext install script.  Built by the Makefile from install/*.sql, in
-- name order; each piece belongs to one capability.

\echo Use "CREATE EXTENSION swisper_ext" to load this file. \quit
