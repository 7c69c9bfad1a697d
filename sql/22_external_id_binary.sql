-- swisper.external_id: the binary format (send/recv), a binary \copy round
-- trip, and recv reading a text payload exactly as text input (refusing
-- only bytes that are not valid in the encoding, as text's recv does).
\i test/fixtures/reset.sql

-- The binary format: kind tag byte, then 8 bytes big-endian (integer), 16
-- bytes (uuid) or the characters (text, also the empty text and one that
-- starts with a control character).
SELECT to_json(v)::text AS value, swisper.external_id_send(v::swisper.external_id)
FROM (VALUES ('0'), ('12345'), ('9223372036854775807'),
	('1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC'), ('1AAC01A8A9854CD1AAD67E12B25DA1BC'), ('auth0|x'), ('Zoë'),
	(''), (' x '), (E'\tx'), (E'\x01')) AS t(v);

-- A binary \copy round trip keeps every value and its kind.
CREATE TABLE ids (n int, id swisper.external_id);
INSERT INTO ids
SELECT i, CASE i % 4
		WHEN 0 THEN md5(i::text)::uuid::text
		WHEN 1 THEN (i * 104729)::text
		WHEN 2 THEN 'user-' || i || '-ü'
		ELSE upper(md5(i::text)::uuid::text) END
FROM generate_series(1, 1000) AS i;
INSERT INTO ids VALUES (0, NULL), (-1, '9223372036854775807'), (-2, repeat('é', 127) || 'x'),
	(-3, ''), (-4, ' padded '), (-5, E'\ttab'), (-6, E'\x01\x02'), (-7, upper(md5('x'))),
	(-8, repeat('long id ', 131072));   -- 1 MB
\copy ids TO 'results/22_external_id.bin' WITH (FORMAT binary)
CREATE TABLE ids_back (LIKE ids);
\copy ids_back FROM 'results/22_external_id.bin' WITH (FORMAT binary)
SELECT count(*) AS rows,
	count(*) FILTER (WHERE a.id IS NOT DISTINCT FROM b.id
		AND swisper.external_id_send(a.id) IS NOT DISTINCT FROM swisper.external_id_send(b.id)
		AND swisper.external_id_kind(a.id) IS NOT DISTINCT FROM swisper.external_id_kind(b.id)
		AND a.id::text IS NOT DISTINCT FROM b.id::text) AS identical
FROM ids a JOIN ids_back b USING (n);
SELECT swisper.external_id_kind(id), count(*) FROM ids_back GROUP BY 1 ORDER BY 1;

-- recv on chosen bytes: a one-column bytea table copied out in binary has
-- exactly the field bytes we choose, and copied back into an external_id
-- column they reach external_id_recv.  (Server-side COPY into the data
-- directory of the throwaway cluster: the test runs as a superuser.)
CREATE TABLE raw (b bytea);
CREATE TABLE target (id swisper.external_id);
CREATE FUNCTION pg_temp.try_recv(bytes bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	d text;
	r text;
BEGIN
	TRUNCATE raw;
	TRUNCATE target;
	INSERT INTO raw VALUES (bytes);
	EXECUTE format('COPY raw TO %L WITH (FORMAT binary)', current_setting('data_directory') || '/swisper_22_raw.bin');
	BEGIN
		EXECUTE format('COPY target FROM %L WITH (FORMAT binary)', current_setting('data_directory') || '/swisper_22_raw.bin');
		SELECT 'ok ' || swisper.external_id_kind(id) || ' ' || to_json(id::text)::text INTO r FROM target;
		RETURN r;
	EXCEPTION WHEN others THEN
		GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
		RETURN SQLSTATE || ' ' || SQLERRM || ' | ' || d;
	END;
END
$$;
SELECT b, pg_temp.try_recv(b)
FROM (VALUES
	('\x01000000000000007b'::bytea),                 -- integer 123
	('\x017fffffffffffffff'),                        -- integer max
	('\x018000000000000000'),                        -- negative: rejected
	('\x0100000000000000'),                          -- 7 bytes: rejected
	('\x021aac01a8a9854cd1aad67e12b25da1bc'),        -- uuid
	('\x021aac01a8a9854cd1aad67e12b25da1'),          -- 15 bytes: rejected
	('\x021aac01a8a9854cd1aad67e12b25da1bc00'),      -- 17 bytes: rejected
	('\x03617574683027'),                            -- text auth0'
	('\x033132333435'),                              -- text "12345": integer
	('\x03303132333435'),                            -- text "012345": text
	('\x03313233343536373839303132333435363738393031323334353637383930313232'), -- 33 digits: text
	('\x037b31414143303141382d413938352d344344312d414144362d3745313242323544413142437d'), -- uuid spelling
	('\x037b31414143303141384139383534434431414144363745313242323544413142437d'), -- no hyphens: text
	('\x03'),                                        -- the empty text
	('\x032061'),                                    -- leading blank
	('\x036109'),                                    -- tab
	('\x0309'),                                      -- a tab alone
	('\x036100'),                                    -- NUL: rejected as by text
	('\x03c3'),                                      -- truncated UTF-8: rejected
	('\x03ff61'),                                    -- invalid UTF-8: rejected
	('\x03eda080'),                                  -- UTF-16 surrogate: rejected
	('\x00'),                                        -- unknown tags
	('\x04616263'),
	('\xff'),
	('\x'::bytea)                                    -- no tag at all
) AS t(b);
SELECT left(pg_temp.try_recv('\x03'::bytea || convert_to(repeat('x', 256), 'UTF8')), 20);
SELECT left(pg_temp.try_recv('\x03'::bytea || convert_to(repeat('x', 300000), 'UTF8')), 20);

-- Binary output read back through recv gives the same value (send/recv
-- round trip through the bytea table).
CREATE FUNCTION pg_temp.send_recv(v swisper.external_id) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	r swisper.external_id;
BEGIN
	TRUNCATE raw;
	TRUNCATE target;
	INSERT INTO raw VALUES (swisper.external_id_send(v));
	EXECUTE format('COPY raw TO %L WITH (FORMAT binary)', current_setting('data_directory') || '/swisper_22_raw.bin');
	EXECUTE format('COPY target FROM %L WITH (FORMAT binary)', current_setting('data_directory') || '/swisper_22_raw.bin');
	SELECT id INTO r FROM target;
	RETURN r = v AND r::text = v::text AND swisper.external_id_send(r) = swisper.external_id_send(v);
END
$$;
SELECT count(*) AS values, count(*) FILTER (WHERE pg_temp.send_recv(id)) AS round_tripped
FROM ids WHERE id IS NOT NULL;

DROP TABLE ids, ids_back, raw, target;
