# Reference outputs of R's EpiEstim (2.2-4) for hoso.publichealth.rt (docs/rt.md).
#
#   Rscript tools/r/epiestim_reference.R [OUTPUT_DIR]
#
# OUTPUT_DIR defaults to tests/publichealth/rt/reference. For every case it writes the
# inputs in the CSV formats `hoso surveillance rt` reads (incidence: dates,I or
# dates,local,imported; serial interval: k,p) and EpiEstim's R table in the format it
# writes (t_start,t_end,Mean(R),...; NA as an empty cell), plus cases.csv (what each
# case runs) and discr_si.csv (EpiEstim's discretised serial interval).
suppressMessages(library(EpiEstim))
stopifnot(as.character(packageVersion("EpiEstim")) == "2.2.4")

args <- commandArgs(trailingOnly = TRUE)
out_dir <- if (length(args) >= 1) args[[1]] else "tests/publichealth/rt/reference"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

data(Flu2009); data(Flu1918); data(Measles1861); data(SARS2003)
data(Smallpox1972); data(MockRotavirus)

write_table <- function(df, name) {
  utils::write.csv(df, file.path(out_dir, name), row.names = FALSE, quote = FALSE,
                   na = "")
}

with_dates <- function(counts, dates = NULL) {
  # EpiEstim accepts dates of class Date or numeric, not integer.
  if (is.null(dates)) dates <- as.numeric(seq_along(counts))
  data.frame(dates = dates, I = counts)
}

# Flu2009 split into local and imported cases, deterministically: every fourth case of
# a day imported, and some local cases on day 1 (EpiEstim moves them to imported).
flu_split <- data.frame(
  dates = Flu2009$incidence$dates,
  local = Flu2009$incidence$I - Flu2009$incidence$I %/% 4,
  imported = Flu2009$incidence$I %/% 4
)
# A long quiet spell between two clusters: windows whose infectivity is zero.
quiet <- with_dates(c(5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4, 5, 2, 0, 1))
si_flu <- Flu2009$si_distr

cases <- list(
  list(name = "flu2009_parametric", incid = Flu2009$incidence, method = "parametric_si",
       si_mean = 2.6, si_sd = 1.5),
  list(name = "flu2009_non_parametric", incid = Flu2009$incidence,
       method = "non_parametric_si", si_distr = si_flu),
  list(name = "flu2009_local_imported_parametric", incid = flu_split,
       method = "parametric_si", si_mean = 2.6, si_sd = 1.5, window = 10),
  list(name = "flu2009_local_imported_non_parametric", incid = flu_split,
       method = "non_parametric_si", si_distr = si_flu, mean_prior = 2, std_prior = 1),
  list(name = "flu1918_parametric_fortnight", incid = with_dates(Flu1918$incidence),
       method = "parametric_si", si_mean = 2.6, si_sd = 1.5, window = 14),
  list(name = "flu1918_non_parametric_prior", incid = with_dates(Flu1918$incidence),
       method = "non_parametric_si", si_distr = Flu1918$si_distr,
       mean_prior = 1, std_prior = 0.5),
  list(name = "measles1861_non_parametric", incid = with_dates(Measles1861$incidence),
       method = "non_parametric_si", si_distr = Measles1861$si_distr),
  list(name = "measles1861_parametric_window3", incid = with_dates(Measles1861$incidence),
       method = "parametric_si", si_mean = 14.9, si_sd = 3.9, window = 3),
  list(name = "sars2003_non_parametric_window10", incid = with_dates(SARS2003$incidence),
       method = "non_parametric_si", si_distr = SARS2003$si_distr, window = 10),
  list(name = "smallpox1972_non_parametric", incid = with_dates(Smallpox1972$incidence),
       method = "non_parametric_si", si_distr = Smallpox1972$si_distr),
  list(name = "rotavirus_parametric_window5", incid = with_dates(MockRotavirus$incidence),
       method = "parametric_si", si_mean = 3.2, si_sd = 1.1, window = 5,
       mean_prior = 3, std_prior = 10),
  list(name = "quiet_spell_parametric", incid = quiet, method = "parametric_si",
       si_mean = 2.6, si_sd = 1.5),
  list(name = "short_series_parametric", incid = with_dates(c(2, 3, 1, 4, 6, 3, 5, 8, 7, 9)),
       method = "parametric_si", si_mean = 6, si_sd = 4),
  # A serial interval longer than the series (EpiEstim keeps it whole).
  list(name = "short_series_long_si_non_parametric",
       incid = with_dates(c(2, 3, 1, 4, 6, 3, 5, 8, 7, 9)),
       method = "non_parametric_si", si_distr = SARS2003$si_distr),
  # Windows of any shape, not sliding: the Python function only (the CLI slides).
  list(name = "flu2009_custom_windows", incid = Flu2009$incidence,
       method = "parametric_si", si_mean = 2.6, si_sd = 1.5,
       t_start = c(2, 5, 10, 20, 3), t_end = c(2, 12, 30, 20, 32))
)

manifest <- data.frame()
for (case in cases) {
  incid <- case$incid
  T <- nrow(incid)
  cfg <- list(mean_prior = if (is.null(case$mean_prior)) 5 else case$mean_prior,
              std_prior = if (is.null(case$std_prior)) 5 else case$std_prior)
  window <- NA
  windows <- "default"
  if (!is.null(case$window)) {
    window <- case$window
    windows <- "sliding"
    cfg$t_start <- seq(2, T - window + 1)
    cfg$t_end <- cfg$t_start + window - 1
  }
  if (!is.null(case$t_start)) {
    windows <- "custom"
    cfg$t_start <- case$t_start
    cfg$t_end <- case$t_end
  }
  si_file <- ""
  if (case$method == "parametric_si") {
    cfg$mean_si <- case$si_mean
    cfg$std_si <- case$si_sd
  } else {
    cfg$si_distr <- case$si_distr
    si_file <- paste0(case$name, "_si.csv")
    write_table(data.frame(k = seq_along(case$si_distr) - 1, p = case$si_distr), si_file)
  }
  res <- suppressMessages(suppressWarnings(
    estimate_R(incid, method = case$method, config = make_config(cfg))
  ))
  write_table(incid, paste0(case$name, "_incidence.csv"))
  write_table(res$R, paste0(case$name, "_R.csv"))
  manifest <- rbind(manifest, data.frame(
    case = case$name, method = case$method,
    si_mean = if (is.null(case$si_mean)) NA else case$si_mean,
    si_sd = if (is.null(case$si_sd)) NA else case$si_sd,
    si_distr = si_file, windows = windows, window = window,
    mean_prior = cfg$mean_prior, std_prior = cfg$std_prior
  ))
}
write_table(manifest, "cases.csv")

si <- data.frame()
for (p in list(c(2.6, 1.5), c(1.5, 0.2), c(6.48, 3.83), c(14.9, 3.9), c(4.7, 2.9),
               c(22.4, 6.1), c(1.01, 5))) {
  k <- 0:40
  si <- rbind(si, data.frame(mu = p[1], sigma = p[2], k = k, p = discr_si(k, p[1], p[2])))
}
write_table(si, "discr_si.csv")
