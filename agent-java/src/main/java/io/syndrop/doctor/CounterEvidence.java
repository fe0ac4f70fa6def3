package io.syndrop.doctor;

/** A counter and how much it moved in the diagnosed window (or its value since boot). */
public record CounterEvidence(String counter, long delta) {}
