-- What the staff pages add to the reports' data set (bench/reports/seed.sql): the cases'
-- history and the years of extensions a card collects, so that the case and card pages
-- read histories of a realistic length (about 5 M rows at 1,000,000 cards).
-- Same placeholders as seed.sql.

-- Every case opened; a closed case moved once more, to its final state.
INSERT INTO warranty_caseevent (case_id, action, from_state, to_state, actor_name, at, source,
                                note, details)
SELECT id, 'open', '', CASE kind WHEN 'fault' THEN 'awaiting_card'
                                 WHEN 'extension_failure' THEN 'troubleshooting'
                                 WHEN 'invalidation' THEN 'awaiting_corner_cut'
                                 ELSE 'payment_due' END,
       'Dziekanat', created_at, 'web', '', '{}'
FROM warranty_case;

INSERT INTO warranty_caseevent (case_id, action, from_state, to_state, actor_name, at, source,
                                note, details)
SELECT id, CASE state WHEN 'handed_over' THEN 'hand_over' WHEN 'resolved' THEN 'resolve'
                      ELSE 'confirm_corner_cut' END,
       'ready_for_pickup', state, 'SSOS', state_changed_at, 'web', '', '{}'
FROM warranty_case WHERE state IN ('handed_over', 'resolved', 'card_returned');

-- Each extension closed by its hologram, and two earlier semesters of the same: three
-- entries from each extension, in one pass over the extensions.
INSERT INTO cards_cardevent (card_id, action, from_state, to_state, actor_name, at, source,
                             reason, details)
SELECT card_id, step.action, step.from_state, step.to_state, '',
       at + step.days * interval '1 day', 'web', '', '{}'
FROM cards_cardevent,
     (VALUES ('confirm_hologram', 'awaiting_hologram', 'active', 2),
             ('extend', 'active', 'awaiting_hologram', -184),
             ('confirm_hologram', 'awaiting_hologram', 'active', -182))
         AS step (action, from_state, to_state, days)
WHERE cards_cardevent.action = 'extend'
