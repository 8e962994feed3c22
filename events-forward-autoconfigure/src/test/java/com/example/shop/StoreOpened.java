package com.example.shop;

/**
 * An event without any property.
 */
public record StoreOpened() {
}
