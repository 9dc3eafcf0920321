-- Input gate "schema": the columns and types of one contract table, without reading its rows.
-- {{table}} is replaced by one contract table's placeholder (e.g. {{campaigns}}) before the query runs;
-- the gate compares the result's Arrow schema with the contract in src/quality/source-tables.ts.
SELECT *
FROM {{table}}
WHERE FALSE
