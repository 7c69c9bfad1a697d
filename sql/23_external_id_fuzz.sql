-- swisper.external_id: a seeded fuzz test of both input functions.
--
-- Valid ids are mutated at random (truncated, characters inserted, deleted,
-- replaced or duplicated; for binary input also single bytes flipped to any
-- value, which makes invalid UTF-8).  Every text must be accepted as a value
-- that comes back as given (uuids in their standard layout: lower-case,
-- without braces), reads back as the same value, hashes and compares like
-- its text; binary input may only refuse a wrong tag or size (22P03, its
-- message naming the type) or bytes that are not valid UTF-8 (22021, as
-- text's recv).  The server must never crash (pg_regress would report it).
-- setseed makes the run, and so the counts below, the same every time.
\i test/fixtures/reset.sql

CREATE FUNCTION pg_temp.mutate_text(s text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	alphabet text[] := ARRAY['-', '{', '}', ' ', '0', '1', '9', 'a', 'F', 'g', 'z', '+', '|', '@',
		'é', 'ß', '用', '👩', chr(1), chr(9), chr(10), chr(31), chr(127), chr(160), chr(8203)];
	pos int;
	ch text;
	k int;
BEGIN
	FOR k IN 1 .. 1 + floor(random() * 3)::int LOOP
		pos := floor(random() * (length(s) + 1))::int;
		IF random() < 0.3 THEN
			ch := alphabet[1 + floor(random() * array_length(alphabet, 1))::int];
		ELSE
			ch := chr(1 + floor(random() * 1000)::int);
		END IF;
		CASE floor(random() * 5)::int
			WHEN 0 THEN s := left(s, pos);                                   -- truncate
			WHEN 1 THEN s := left(s, pos) || ch || substr(s, pos + 1);      -- insert
			WHEN 2 THEN s := left(s, pos) || substr(s, pos + 2);            -- delete
			WHEN 3 THEN s := left(s, pos) || ch || substr(s, pos + 2);      -- replace
			ELSE s := s || s;                                                -- duplicate
		END CASE;
	END LOOP;
	RETURN s;
END
$$;

CREATE FUNCTION pg_temp.seeds() RETURNS text[] LANGUAGE sql AS $$
	SELECT ARRAY['1aac01a8-a985-4cd1-aad6-7e12b25da1bc', '1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC',
		'{1aac01a8-a985-4cd1-aad6-7e12b25da1bc}', '1AAC01A8A9854CD1AAD67E12B25DA1BC',
		'12345', '0', '9223372036854775807', 'external-swisper-user-12345',
		'auth0|5f7c8ec7c33c6c004bbafe82', 'jane.doe@example.com', 'Zoë Ångström', '用户-42',
		repeat('x', 250)]
$$;

-- Text input (external_id_in on a cstring).
CREATE FUNCTION pg_temp.fuzz_text(iterations int) RETURNS TABLE (outcome text, cases bigint)
LANGUAGE plpgsql AS $$
DECLARE
	seeds text[] := pg_temp.seeds();
	s text;
	v swisper.external_id;
	is_uuid boolean;
	standard_uuid boolean;
	ok boolean;
	results text[] := '{}';
	r text;
	i int;
BEGIN
	FOR i IN 1 .. iterations LOOP
		s := pg_temp.mutate_text(seeds[1 + floor(random() * array_length(seeds, 1))::int]);
		BEGIN
			PERFORM s::uuid;
			is_uuid := true;
		EXCEPTION WHEN others THEN
			is_uuid := false;
		END;
		standard_uuid := s ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
			OR s ~* '^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$';
		BEGIN
			v := swisper.external_id_in(s::cstring);
			ok := v::text::swisper.external_id = v
				AND v::text::swisper.external_id::text = v::text
				AND swisper.external_id_hash(v) = swisper.external_id_text_hash(s)
				AND v = s AND NOT v <> s AND v <= s AND v >= s
				AND CASE swisper.external_id_kind(v)
					WHEN 'uuid' THEN standard_uuid AND is_uuid AND v::text = s::uuid::text
					WHEN 'integer' THEN NOT standard_uuid AND v::text = s AND v::text = s::bigint::text
					ELSE NOT standard_uuid AND v::text = s AND octet_length(v::text) = octet_length(s) END;
			r := CASE WHEN ok THEN 'accepted as ' || swisper.external_id_kind(v)
					|| CASE WHEN swisper.is_valid_external_id(s) THEN '' ELSE ' (not strictly valid)' END
				ELSE 'ANOMALY accepted: ' || quote_literal(s) END;
		EXCEPTION WHEN others THEN
			r := 'ANOMALY rejected: ' || quote_literal(s) || ' ' || SQLSTATE || ' ' || SQLERRM;
		END;
		results := results || r;
	END LOOP;
	RETURN QUERY SELECT x, count(*) FROM unnest(results) AS x GROUP BY x ORDER BY x;
END
$$;

-- Binary input (external_id_recv), fed through a binary COPY of a bytea
-- column as in 22_external_id_binary.
CREATE TABLE raw (b bytea);
CREATE TABLE target (id swisper.external_id);
CREATE FUNCTION pg_temp.fuzz_binary(iterations int) RETURNS TABLE (outcome text, cases bigint)
LANGUAGE plpgsql AS $$
DECLARE
	seeds text[] := pg_temp.seeds();
	b bytea;
	v swisper.external_id;
	pos int;
	ok boolean;
	results text[] := '{}';
	r text;
	i int;
BEGIN
	FOR i IN 1 .. iterations LOOP
		-- A valid binary value: the send form of a mutated-or-not seed...
		BEGIN
			b := swisper.external_id_send(seeds[1 + floor(random() * array_length(seeds, 1))::int]::swisper.external_id);
		END;
		-- ...then one to three byte-level mutations.
		FOR pos IN 1 .. 1 + floor(random() * 3)::int LOOP
			CASE floor(random() * 3)::int
				WHEN 0 THEN b := substr(b, 1, floor(random() * (length(b) + 1))::int);
				WHEN 1 THEN IF length(b) > 0 THEN
						b := set_byte(b, floor(random() * length(b))::int, floor(random() * 256)::int);
					END IF;
				ELSE b := substr(b, 1, floor(random() * (length(b) + 1))::int)
						|| decode(lpad(to_hex(floor(random() * 256)::int), 2, '0'), 'hex')
						|| substr(b, floor(random() * (length(b) + 1))::int + 1);
			END CASE;
		END LOOP;
		TRUNCATE raw;
		TRUNCATE target;
		INSERT INTO raw VALUES (b);
		EXECUTE format('COPY raw TO %L WITH (FORMAT binary)', current_setting('data_directory') || '/swisper_23_fuzz.bin');
		BEGIN
			EXECUTE format('COPY target FROM %L WITH (FORMAT binary)', current_setting('data_directory') || '/swisper_23_fuzz.bin');
			SELECT id INTO v FROM target;
			ok := v::text::swisper.external_id = v
				AND (get_byte(b, 0) <> 3
					OR convert_from(substr(b, 2), 'UTF8')::swisper.external_id = v)
				AND (get_byte(b, 0) = 3 OR swisper.external_id_send(v) = b);
			r := CASE WHEN ok THEN 'accepted as ' || swisper.external_id_kind(v)
				ELSE 'ANOMALY accepted: ' || b::text END;
		EXCEPTION WHEN others THEN
			ok := (SQLSTATE = '22P03' AND SQLERRM LIKE '% for type external_id%'
					OR SQLSTATE = '22021' AND SQLERRM LIKE 'invalid byte sequence for encoding "UTF8": %')
				AND convert_from(convert_to(SQLERRM, 'UTF8'), 'UTF8') = SQLERRM;
			r := CASE WHEN ok THEN 'rejected ' || SQLSTATE
				ELSE 'ANOMALY rejected: ' || b::text || ' ' || SQLSTATE || ' ' || SQLERRM END;
		END;
		results := results || r;
	END LOOP;
	RETURN QUERY SELECT x, count(*) FROM unnest(results) AS x GROUP BY x ORDER BY x;
END
$$;

SELECT setseed(0.1234);
SELECT * FROM pg_temp.fuzz_text(6000);
SELECT setseed(0.5678);
SELECT * FROM pg_temp.fuzz_binary(2000);

DROP TABLE raw, target;
