-- A realistic large data set for the reports, generated inside PostgreSQL (no rows travel
-- from Python). Parameters come from bench.py as psql-style placeholders:
-- %(cards)s cards, %(holders)s holders, %(cases)s cases, %(reads)s reads, %(units)s units.
-- Random but repeatable: setseed() fixes random().

SELECT setseed(0.42);

INSERT INTO cards_unit (id, code, name)
SELECT u, 'U' || lpad(u::text, 2, '0'), 'Wydział ' || u FROM generate_series(1, %(units)s) u;

-- Polish names (with their diacritics, half women, one in seven with a double surname) and
-- six-digit album numbers, so that searches meet what a secretary types.
INSERT INTO cards_holder (id, first_name, last_name, pesel, pesel_hash, album_number,
                          employee_number, email, user_id)
SELECT h,
       CASE WHEN h %% 2 = 0 THEN n.women[1 + (h / 2) %% array_length(n.women, 1)]
            ELSE n.men[1 + (h / 2) %% array_length(n.men, 1)] END,
       CASE WHEN h %% 2 = 0 THEN n.her[1 + (h::bigint * 7919) %% array_length(n.her, 1)]
            ELSE n.his[1 + (h::bigint * 7919) %% array_length(n.his, 1)] END
       || CASE WHEN h %% 7 <> 0 THEN ''
               WHEN h %% 2 = 0 THEN '-' || n.her[1 + (h::bigint * 104729) %% array_length(n.her, 1)]
               ELSE '-' || n.his[1 + (h::bigint * 104729) %% array_length(n.his, 1)] END,
       '', '', (100000 + h)::text, '', '', NULL
FROM generate_series(1, %(holders)s) h,
     (SELECT ARRAY['Anna', 'Maria', 'Katarzyna', 'Małgorzata', 'Agnieszka', 'Barbara', 'Ewa',
                   'Elżbieta', 'Zofia', 'Joanna', 'Magdalena', 'Monika', 'Natalia',
                   'Aleksandra', 'Zuzanna', 'Łucja', 'Weronika', 'Julia', 'Wiktoria', 'Jadwiga']
                AS women,
             ARRAY['Piotr', 'Krzysztof', 'Andrzej', 'Tomasz', 'Paweł', 'Michał', 'Marcin',
                   'Jakub', 'Łukasz', 'Mateusz', 'Grzegorz', 'Jan', 'Józef', 'Stanisław',
                   'Adam', 'Kacper', 'Szymon', 'Wojciech', 'Bartłomiej', 'Mikołaj'] AS men,
             ARRAY['Nowak', 'Kowalska', 'Wiśniewska', 'Wójcik', 'Kowalczyk', 'Kamińska',
                   'Lewandowska', 'Zielińska', 'Szymańska', 'Woźniak', 'Dąbrowska', 'Kozłowska',
                   'Jankowska', 'Mazur', 'Wojciechowska', 'Kwiatkowska', 'Krawczyk',
                   'Kaczmarek', 'Piotrowska', 'Grabowska', 'Zając', 'Pawłowska', 'Michalska',
                   'Król', 'Wieczorek', 'Jabłońska', 'Wróbel', 'Nowakowska', 'Majewska',
                   'Olszewska', 'Stępień', 'Malinowska', 'Jaworska', 'Adamczyk', 'Dudek',
                   'Nowicka', 'Pawlak', 'Górska', 'Witkowska', 'Walczak', 'Sikora', 'Baran',
                   'Rutkowska', 'Michalak', 'Szewczyk', 'Ostrowska', 'Tomaszewska', 'Pietrzak',
                   'Żak', 'Łukasiewicz', 'Gąsior', 'Sęk', 'Bąk', 'Żurek', 'Kołodziej',
                   'Cieślak', 'Śliwińska', 'Błaszczyk', 'Mróz', 'Ćwik'] AS her,
             ARRAY['Nowak', 'Kowalski', 'Wiśniewski', 'Wójcik', 'Kowalczyk', 'Kamiński',
                   'Lewandowski', 'Zieliński', 'Szymański', 'Woźniak', 'Dąbrowski', 'Kozłowski',
                   'Jankowski', 'Mazur', 'Wojciechowski', 'Kwiatkowski', 'Krawczyk',
                   'Kaczmarek', 'Piotrowski', 'Grabowski', 'Zając', 'Pawłowski', 'Michalski',
                   'Król', 'Wieczorek', 'Jabłoński', 'Wróbel', 'Nowakowski', 'Majewski',
                   'Olszewski', 'Stępień', 'Malinowski', 'Jaworski', 'Adamczyk', 'Dudek',
                   'Nowicki', 'Pawlak', 'Górski', 'Witkowski', 'Walczak', 'Sikora', 'Baran',
                   'Rutkowski', 'Michalak', 'Szewczyk', 'Ostrowski', 'Tomaszewski', 'Pietrzak',
                   'Żak', 'Łukasiewicz', 'Gąsior', 'Sęk', 'Bąk', 'Żurek', 'Kołodziej',
                   'Cieślak', 'Śliwiński', 'Błaszczyk', 'Mróz', 'Ćwik'] AS his) AS n;

-- Cards: 85 %% ELS, 5 %% ELD, 10 %% ELN; mostly active; 200 blank batches from 3 suppliers,
-- where batch B0007 is made bad on purpose (it gets three times the fault claims below).
-- The search text is what the trigger cards_card_search_text computes (its holder's text,
-- then the folded number and chip serial), written here so that the seeder can load
-- without firing the trigger per row (tests/perf/test_seed_search_text.py compares them).
INSERT INTO cards_card (id, kind, number, chip_serial, issued_on, valid_until, hologram_count,
                        blank_batch, blank_supplier, template_generation, invalidation_ground,
                        state, created_at, replaces_id, holder_id, serving_unit_id, search_text)
SELECT g, kind, number, chip_serial,
       issued, issued + 180, (r3 * 8)::int,
       'B' || lpad((g %% 200)::text, 4, '0'), 'Dostawca ' || (g %% 200 %% 3), 'v2',
       CASE WHEN r2 >= 0.90 AND r2 < 0.97 THEN
            CASE WHEN r3 < 0.5 THEN 'removed_from_list' ELSE 'completed_masters' END
            ELSE '' END,
       CASE WHEN r2 < 0.80 THEN 'active' WHEN r2 < 0.85 THEN 'awaiting_hologram'
            WHEN r2 < 0.87 THEN 'reported_faulty' WHEN r2 < 0.88 THEN 'with_ssos'
            WHEN r2 < 0.89 THEN 'damaged' WHEN r2 < 0.90 THEN 'lost'
            WHEN r2 < 0.91 THEN 'pending_invalidation' WHEN r2 < 0.97 THEN 'invalidated'
            ELSE 'replaced' END,
       issued::timestamptz + interval '9 hours', NULL,
       h.id, 1 + (g %% %(units)s), h.search_text || ' ' || search_fold(number, chip_serial)
FROM (SELECT g, kind, r2, r3, issued,
             kind || '-' || to_char(issued, 'YYYY') || '-' || lpad(g::text, 7, '0') AS number,
             'S' || lpad(to_hex(g), 12, '0') AS chip_serial
      FROM (SELECT g, CASE WHEN r1 < 0.85 THEN 'ELS' WHEN r1 < 0.90 THEN 'ELD' ELSE 'ELN' END
                      AS kind, r2, r3, issued
            FROM (SELECT g, random() AS r1, random() AS r2, random() AS r3,
                         current_date - (random() * 6 * 365)::int AS issued
                  FROM generate_series(1, %(cards)s) g) AS r) AS k) AS s
JOIN cards_holder AS h ON h.id = 1 + (s.g %% %(holders)s);

-- History: an issue entry per card, one extension per card in the last two years,
-- invalidation decisions and corner cuts, replacements.
INSERT INTO cards_cardevent (card_id, action, from_state, to_state, actor_name, at, source,
                             reason, details)
SELECT id, 'issue', '', 'active', '', created_at, 'import', '', '{}' FROM cards_card;

INSERT INTO cards_cardevent (card_id, action, from_state, to_state, actor_name, at, source,
                             reason, details)
SELECT id, 'extend', 'active', 'awaiting_hologram', '', now() - random() * interval '730 days',
       'web', '', '{}'
FROM cards_card;

INSERT INTO cards_cardevent (card_id, action, from_state, to_state, actor_name, at, source,
                             reason, details)
SELECT id, 'decide_invalidation', 'active', 'pending_invalidation', '',
       now() - random() * interval '1000 days', 'web', '',
       jsonb_build_object('ground', invalidation_ground)
FROM cards_card WHERE state IN ('pending_invalidation', 'invalidated');

INSERT INTO cards_cardevent (card_id, action, from_state, to_state, actor_name, at, source,
                             reason, details)
SELECT id, 'confirm_corner_cut', 'pending_invalidation', 'invalidated', '',
       now() - random() * interval '900 days', 'web', '', '{}'
FROM cards_card WHERE state = 'invalidated';

INSERT INTO cards_cardevent (card_id, action, from_state, to_state, actor_name, at, source,
                             reason, details)
SELECT id, 'replace', 'with_ssos', 'replaced', '', now() - random() * interval '1000 days',
       'web', '',
       jsonb_build_object('replacement_reason',
                          CASE WHEN random() < 0.6 THEN 'warranty' ELSE 'duplicate' END)
FROM cards_card WHERE state = 'replaced';

-- Cases over the last three years, each on a different card; 85 %% closed. The search
-- text is the trigger warranty_case_search_text's: the folded number, then the card's text.
INSERT INTO warranty_case (id, number, kind, state, description, extension_error,
                           invalidation_ground, card_received_at, created_at, state_changed_at,
                           assigned_to_id, card_id, card_received_by_id, converted_to_id,
                           holder_id, new_card_id, opened_by_id, unit_id, search_text)
SELECT g, number, case_kind, state, '', extension_error, '', NULL, opened, state_changed_at,
       NULL, card_id, NULL, NULL, holder_id, NULL, NULL, unit_id,
       search_fold(number) || ' ' || card_text
FROM (
SELECT g, c.kind || '/' || to_char(opened, 'YYYY') || '/' || lpad(g::text, 6, '0') AS number,
       case_kind,
       CASE WHEN closed THEN CASE case_kind WHEN 'extension_failure' THEN 'resolved'
                                       WHEN 'invalidation' THEN 'card_returned'
                                       WHEN 'fault' THEN 'handed_over'
                                       ELSE 'handed_over' END
            ELSE CASE case_kind WHEN 'extension_failure' THEN 'troubleshooting'
                           WHEN 'invalidation' THEN 'awaiting_corner_cut'
                           WHEN 'fault' THEN CASE WHEN r4 < 0.5 THEN 'awaiting_card'
                                                  ELSE 'in_assessment' END
                           ELSE 'payment_due' END END,
       CASE WHEN case_kind = 'extension_failure' THEN
            (ARRAY['no_certificate', 'card_read_failed', 'not_settled',
                   'extension_error'])[1 + (r4 * 4)::int %% 4] ELSE '' END,
       opened,
       CASE WHEN closed THEN LEAST(now(), opened + (r4 * r4 * 90) * interval '1 day')
            ELSE opened END,
       card_id, c.holder_id, c.serving_unit_id, c.search_text
FROM (SELECT g, random() < 0.85 OR g %% 50 = 0 AS closed, random() AS r4,
             now() - random() * interval '1095 days' AS opened,
             CASE WHEN r < 0.45 THEN 'fault' WHEN r < 0.60 THEN 'damage'
                  WHEN r < 0.70 THEN 'lost' WHEN r < 0.90 THEN 'extension_failure'
                  ELSE 'invalidation' END AS case_kind,
             -- cards spread over every batch (7919 is prime, so no card twice); one case in
             -- fifty is an extra, closed fault claim on a card of the bad batch B0007
             CASE WHEN g %% 50 = 0 THEN 7 + 200 * (g / 50)
                  ELSE 1 + (g::bigint * 7919) %% %(cards)s END AS card_id
      FROM (SELECT g, random() AS r FROM generate_series(1, %(cases)s) g) AS k) AS s
JOIN cards_card AS c ON c.id = s.card_id
) AS drawn (g, number, case_kind, state, extension_error, opened, state_changed_at, card_id,
             holder_id, unit_id, card_text);

UPDATE warranty_case SET kind = 'fault',
       state = CASE WHEN state IN ('handed_over', 'resolved', 'card_returned')
                    THEN 'handed_over' ELSE 'in_assessment' END, extension_error = ''
WHERE id %% 50 = 0;

INSERT INTO warranty_assessment (case_id, broken, bent, cracked, chip_damaged,
                                 chip_dirty_or_worn, other, other_note, outcome, at,
                                 assessor_id)
SELECT id, false, false, false, false, false, false, '',
       CASE WHEN random() < 0.75 THEN 'warranty' ELSE 'duplicate' END,
       created_at + interval '3 days', NULL
FROM warranty_case WHERE kind = 'fault' AND state <> 'awaiting_card';

INSERT INTO warranty_payment (amount, currency, status, reference, paid_on, waived_reason,
                              refund_reason, created_at, updated_at, case_id, fee_id)
SELECT 33.00, 'PLN', CASE WHEN state = 'handed_over' THEN 'paid' ELSE 'due' END, '',
       CASE WHEN state = 'handed_over' THEN (created_at + interval '2 days')::date END,
       '', '', created_at + interval '1 day', created_at + interval '2 days', id,
       (SELECT id FROM warranty_feeschedule WHERE event = 'duplicate' ORDER BY id LIMIT 1)
FROM warranty_case WHERE kind IN ('damage', 'lost');

-- Three reader devices per unit and their reads over the last year, 8 %% failed.
INSERT INTO reader_bridge_readerdevice (id, name, public_key_pem, enrolled_at, last_seen_at,
                                        revoked_at, unit_id)
SELECT gen_random_uuid(), 'Czytnik ' || d, '-', now() - interval '400 days', now(), NULL,
       1 + (d %% %(units)s)
FROM generate_series(1, 3 * %(units)s) d;

INSERT INTO reader_bridge_cardread (message_id, body_sha256, body, received_at, read_at,
                                    sequence, outcome, failed_step, status_word, atr,
                                    chip_serial, els_file, cert_file, state, processed_at,
                                    result, diagnosis, diagnosis_detail, card_id, device_id,
                                    request_id)
SELECT gen_random_uuid(), '', '', at, at, g,
       CASE WHEN r < 0.92 THEN 'ok' WHEN r < 0.95 THEN 'no_atr' WHEN r < 0.98 THEN 'timeout'
            ELSE 'apdu_error' END,
       '', '', '', '', NULL, NULL, 'done', at, '{}', '', '',
       CASE WHEN r < 0.92 THEN 1 + (g * 7) %% %(cards)s END, devices.ids[1 + g %% devices.n],
       NULL
FROM (SELECT g, random() AS r, now() - random() * interval '365 days' AS at
      FROM generate_series(1, %(reads)s) g) AS s,
     (SELECT array_agg(id ORDER BY name) AS ids, count(*) AS n
      FROM reader_bridge_readerdevice) AS devices;

SELECT setval(pg_get_serial_sequence('cards_unit', 'id'), (SELECT max(id) FROM cards_unit));
SELECT setval(pg_get_serial_sequence('cards_holder', 'id'), (SELECT max(id) FROM cards_holder));
SELECT setval(pg_get_serial_sequence('cards_card', 'id'), (SELECT max(id) FROM cards_card));
SELECT setval(pg_get_serial_sequence('warranty_case', 'id'), (SELECT max(id) FROM warranty_case));
