package io.syndrop.doctor;

/** How bad a finding is; findings print worst first. */
public enum Severity {
    OK, INFO, WARNING, CRITICAL
}
