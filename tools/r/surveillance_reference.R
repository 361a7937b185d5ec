# Reference outputs of R's `surveillance` package (1.20.3) for the Python port in
# src/hoso/publichealth/detection (docs/outbreak-detection.md, "References").
#
#   Rscript tools/r/surveillance_reference.R [OUTDIR [CASE ...]]
#
# OUTDIR defaults to tests/publichealth/detection/reference. It writes
#   series/<series>.csv   the input series, in the CLI's input format (t,count[,population]
#                         for index-based series, date,count for dated weekly ones);
#   <case>.csv            R's result over the case's range: t|date,count,upperbound,
#                         expected,alarm (alarm TRUE/FALSE, empty where R gives NA;
#                         expected empty for EARS, which does not compute one);
#   cases.csv             case, series, method, controls (R's control names, `;`-separated
#                         key=value; vectors comma-separated).
# With CASE names only those cases (and their series) are written, not cases.csv.
# Every series ships with the package (bremen: salmNewport's sparse Bremen column, for
# the degenerate fits and NA alarms), except agona_pop's population: a made-up,
# deterministic one (1e6 growing 0.2% a week) over salmonella.agona's counts.

suppressPackageStartupMessages(library(surveillance))
stopifnot(as.character(packageVersion("surveillance")) == "1.20.3")

args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else "tests/publichealth/detection/reference"
only <- if (length(args) >= 2) args[-1] else NULL
dir.create(file.path(outdir, "series"), recursive = TRUE, showWarnings = FALSE)

weekly_dated <- function(dates, counts) {
  sts(observed = matrix(counts, ncol = 1), epoch = as.numeric(as.Date(dates)),
      epochAsDate = TRUE, frequency = 52)
}
indexed <- function(counts, population = NULL) {
  if (is.null(population)) {
    sts(observed = matrix(counts, ncol = 1), frequency = 52, start = c(2000, 1))
  } else {
    sts(observed = matrix(counts, ncol = 1), population = matrix(population, ncol = 1),
        frequency = 52, start = c(2000, 1))
  }
}

data(salmonella.agona); data(shadar); data(salmNewport); data(campyDE); data(ha.sts)
agona <- salmonella.agona$observed
newport <- aggregate(salmNewport, by = "unit")
series <- list(
  agona = indexed(agona),
  shadar = indexed(shadar$observed),
  agona_pop = indexed(agona, round(1e6 * 1.002^(seq_along(agona) - 1))),
  ha_chwi = indexed(observed(ha.sts)[, "chwi"], population(ha.sts)[, "chwi"]),
  newport = weekly_dated(epoch(newport), observed(newport)[, 1]),
  campy = weekly_dated(campyDE$date, campyDE$case),
  bremen = weekly_dated(epoch(salmNewport), observed(salmNewport)[, "Bremen"])
)

noufaily <- list(noPeriods = 10, pastWeeksNotIncluded = 26, pThresholdTrend = 1,
                 thresholdMethod = "nbPlugin")
cases <- list(
  list("agona_default", "agona", "farrington", list()),
  list("shadar_default", "shadar", "farrington", list()),
  list("newport_default", "newport", "farrington", list()),
  list("campy_default", "campy", "farrington", list()),
  list("agona_noufaily", "agona", "farrington", noufaily),
  list("newport_noufaily", "newport", "farrington", noufaily),
  list("campy_noufaily_range", "campy", "farrington", c(noufaily, list(range = 400:470))),
  list("campy_muan", "campy", "farrington", list(thresholdMethod = "muan")),
  list("shadar_nbplugin", "shadar", "farrington", list(thresholdMethod = "nbPlugin")),
  list("agona_notrend", "agona", "farrington", list(trend = FALSE)),
  list("newport_noreweight", "newport", "farrington", list(reweight = FALSE)),
  list("agona_pop_offset", "agona_pop", "farrington", list(populationOffset = TRUE)),
  list("ha_chwi_offset", "ha_chwi", "farrington",
       list(populationOffset = TRUE, limit54 = c(0, 1))),
  list("agona_sqrt", "agona", "farrington", list(powertrans = "1/2")),
  list("shadar_none", "shadar", "farrington", list(powertrans = "none")),
  list("newport_periods4", "newport", "farrington",
       list(noPeriods = 4, pastWeeksNotIncluded = 8)),
  list("agona_periods3_muan", "agona", "farrington",
       list(noPeriods = 3, thresholdMethod = "muan", trend = FALSE)),
  list("agona_limit54_0_1", "agona", "farrington", list(limit54 = c(0, 1))),
  list("campy_limit54_10_2", "campy", "farrington", list(limit54 = c(10, 2))),
  list("shadar_b3_w2", "shadar", "farrington", list(b = 3, w = 2)),
  list("newport_b4_w1", "newport", "farrington", list(b = 4, w = 1)),
  list("agona_b2", "agona", "farrington", list(b = 2)),
  list("campy_alpha01_wt1", "campy", "farrington", list(alpha = 0.01, weightsThreshold = 1)),
  list("agona_range", "agona", "farrington", list(range = 270:312)),
  list("agona_ptrend1", "agona", "farrington", list(pThresholdTrend = 1)),
  list("newport_past0", "newport", "farrington", list(pastWeeksNotIncluded = 0)),
  list("bremen_default_limit0", "bremen", "farrington", list(limit54 = c(0, 1))),
  list("bremen_noufaily_limit0", "bremen", "farrington", c(noufaily, list(limit54 = c(0, 1)))),
  list("bremen_c1", "bremen", "ears", list(method = "C1")),
  list("bremen_c3", "bremen", "ears", list(method = "C3")),
  list("agona_c1", "agona", "ears", list(method = "C1")),
  list("agona_c2", "agona", "ears", list(method = "C2")),
  list("agona_c3", "agona", "ears", list(method = "C3")),
  list("newport_c1_alpha05", "newport", "ears", list(method = "C1", alpha = 0.05)),
  list("shadar_c2_baseline10", "shadar", "ears", list(method = "C2", baseline = 10)),
  list("campy_c3_b5_alpha01", "campy", "ears", list(method = "C3", baseline = 5, alpha = 0.01)),
  list("shadar_c1_minsigma1", "shadar", "ears", list(method = "C1", minSigma = 1)),
  list("newport_c3_b12_ms05", "newport", "ears",
       list(method = "C3", baseline = 12, minSigma = 0.5)),
  list("agona_c3_range", "agona", "ears", list(method = "C3", range = 100:140))
)

num <- function(x) ifelse(is.na(x), "", sprintf("%.17g", x))
lgl <- function(x) ifelse(is.na(x), "", ifelse(x, "TRUE", "FALSE"))
first_column <- function(s, rows = seq_len(nrow(s))) {
  if (s@epochAsDate) list(date = format(as.Date(epoch(s)[rows], origin = "1970-01-01")))
  else list(t = rows)
}

write_series <- function(name) {
  s <- series[[name]]
  columns <- c(first_column(s), list(count = observed(s)[, 1]))
  if (name %in% c("agona_pop", "ha_chwi")) columns$population <- num(population(s)[, 1])
  write.csv(as.data.frame(columns, stringsAsFactors = FALSE),
            file.path(outdir, "series", paste0(name, ".csv")), row.names = FALSE, quote = FALSE)
}

controls_text <- function(control) {
  if (length(control) == 0) return("")
  parts <- vapply(names(control), function(key) {
    value <- control[[key]]
    if (key == "range") value <- paste0(min(value), ":", max(value))
    if (is.logical(value)) value <- ifelse(value, "TRUE", "FALSE")
    paste0(key, "=", paste(value, collapse = ","))
  }, "")
  paste(parts, collapse = ";")
}

run_case <- function(case) {
  name <- case[[1]]; s <- series[[case[[2]]]]; method <- case[[3]]; control <- case[[4]]
  if (method == "farrington") {
    result <- farringtonFlexible(s, control = control)
    expected <- num(result@control$expected[, 1])
  } else {
    result <- earsC(s, control = control)
    expected <- rep("", nrow(result))
  }
  rows <- if (is.null(control$range)) {
    nrow(s) - nrow(result) + seq_len(nrow(result))
  } else control$range
  columns <- c(first_column(s, rows),
               list(count = observed(result)[, 1], upperbound = num(upperbound(result)[, 1]),
                    expected = expected, alarm = lgl(alarms(result)[, 1])))
  write.csv(as.data.frame(columns, stringsAsFactors = FALSE),
            file.path(outdir, paste0(name, ".csv")), row.names = FALSE, quote = FALSE)
  data.frame(case = name, series = case[[2]], method = method,
             controls = controls_text(control), stringsAsFactors = FALSE)
}

if (!is.null(only)) cases <- Filter(function(case) case[[1]] %in% only, cases)
for (name in unique(vapply(cases, function(case) case[[2]], ""))) write_series(name)
manifest <- do.call(rbind, lapply(cases, function(case) suppressWarnings(run_case(case))))
if (is.null(only)) {
  write.csv(manifest, file.path(outdir, "cases.csv"), row.names = FALSE, quote = TRUE)
}
