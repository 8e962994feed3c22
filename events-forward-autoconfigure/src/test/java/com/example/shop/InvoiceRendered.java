package com.example.shop;

/**
 * An event that cannot be serialized: one of its getters throws.
 */
public class InvoiceRendered {

	private final String invoiceId;

	public InvoiceRendered(String invoiceId) {
		this.invoiceId = invoiceId;
	}

	public String getInvoiceId() {
		return this.invoiceId;
	}

	public byte[] getPdf() {
		throw new IllegalStateException("PDF renderer is offline");
	}

}
