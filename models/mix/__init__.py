"""A day's load: hourly traffic shapes, autoscaling over a week, and what it costs against a fixed fleet."""
