package com.example.shopping;

/**
 * An event in a package whose name begins with that of {@code com.example.shop} but is not
 * inside it.
 */
public record BasketFilled(String basketId) {
}
