package com.example.audit;

/**
 * An event type named just {@code Event}.
 */
public record Event(String message) {
}
