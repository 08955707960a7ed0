/**
 * Internal, not API: the NIO event loops that every connection lives on, their per-loop timer wheel
 * and buffer pool. Anything here may change between releases.
 */
package io.wsproxy.internal.loop;
