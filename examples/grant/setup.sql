-- The application schema the example grants on (made by migrations in real life).
CREATE SCHEMA sales;
CREATE TABLE sales.orders (id serial PRIMARY KEY, customer_id int, amount numeric, status text);
CREATE TABLE sales.customers (id int PRIMARY KEY, name text, email text);
CREATE TABLE sales.card_numbers (customer_id int, pan text);
CREATE VIEW sales.daily_totals AS SELECT date_trunc('day', now()) AS day, sum(amount) AS total FROM sales.orders;
CREATE FUNCTION sales.order_total(customer integer) RETURNS numeric LANGUAGE sql
  AS 'SELECT sum(amount) FROM sales.orders WHERE customer_id = customer';
CREATE SCHEMA "Reporting";
CREATE TABLE "Reporting"."Monthly Revenue" (month date, revenue numeric);
