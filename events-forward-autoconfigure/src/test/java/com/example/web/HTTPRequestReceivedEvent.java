package com.example.web;

/**
 * An event whose name starts with an acronym.
 */
public record HTTPRequestReceivedEvent(String method, String path) {
}
