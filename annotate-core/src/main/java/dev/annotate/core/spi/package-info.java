/**
 * For backend authors: {@link dev.annotate.core.spi.DetectorProvider}, registered with
 * {@link java.util.ServiceLoader}, and {@link dev.annotate.core.spi.AbstractDetector}, which supplies the
 * lifecycle, image reading and post-processing every detector shares.
 */
package dev.annotate.core.spi;
