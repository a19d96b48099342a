/* SPDX-License-Identifier: MIT */
/*
 * lib/virtio/virtio_pci.h - the virtio-pci modern transport and the
 * virtio-net device as both ends see them: the vmm emulates them
 * (vmm/pci.c, vmm/virtio_net.c), the guest drives them (guest/drivers/).
 * Numbers from the virtio 1.2 spec (sections named at each group) and PCI
 * Local Bus 3.0 (config space header, capabilities, MSI-X).
 */
#ifndef PK_LIB_VIRTIO_PCI_H
#define PK_LIB_VIRTIO_PCI_H

#include <stdint.h>

/* PCI config space header, type 0 (PCI 3.0 6.1) */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYS_VENDOR 0x2c
#define PCI_SUBSYS_ID 0x2e
#define PCI_CAP_PTR 0x34
#define PCI_INT_LINE 0x3c
#define PCI_INT_PIN 0x3d
#define PCI_CMD_MEM 0x0002u
#define PCI_CMD_MASTER 0x0004u
#define PCI_CMD_INTX_DISABLE 0x0400u
#define PCI_STATUS_CAPS 0x0010u
#define PCI_BAR_MEM64 0x4u /* type 10b: 64-bit memory BAR */
#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_ID_VENDOR 0x09
/* configuration mechanism #1 (PCI 3.0 3.2.2.3.2) */
#define PCI_CONF_ADDR 0xcf8
#define PCI_CONF_DATA 0xcfc
#define PCI_CONF_ENABLE 0x80000000u

/* MSI-X (PCI 3.0 6.8.2): capability fields and table entries */
#define MSIX_CTRL 2 /* message control, le16 */
#define MSIX_TABLE 4
#define MSIX_PBA 8
#define MSIX_CTRL_ENABLE 0x8000u
#define MSIX_CTRL_MASKALL 0x4000u
#define MSIX_ENTRY_SIZE 16
#define MSIX_ENTRY_ADDR_LO 0
#define MSIX_ENTRY_ADDR_HI 4
#define MSIX_ENTRY_DATA 8
#define MSIX_ENTRY_CTRL 12
#define MSIX_ENTRY_MASKED 1u

/* virtio over PCI (spec 4.1.2): vendor 0x1af4, modern ids 0x1040 + type */
#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE_NET 0x1041
#define VIRTIO_PCI_LEGACY_NET 0x1000 /* transitional id QEMU uses by default */
#define VIRTIO_ID_NET 1

/* vendor capability (spec 4.1.4): struct virtio_pci_cap */
#define VIRTIO_PCI_CAP_COMMON 1
#define VIRTIO_PCI_CAP_NOTIFY 2
#define VIRTIO_PCI_CAP_ISR 3
#define VIRTIO_PCI_CAP_DEVICE 4
#define VIRTIO_PCI_CAP_PCI_CFG 5
#define VCAP_TYPE 3	       /* u8 cfg_type */
#define VCAP_BAR 4	       /* u8 bar */
#define VCAP_OFFSET 8	       /* le32 */
#define VCAP_LENGTH 12	       /* le32 */
#define VCAP_NOTIFY_MULT 16    /* le32, notify capability only */
#define VCAP_LEN 16	       /* sizeof(struct virtio_pci_cap) */
#define VCAP_NOTIFY_CAP_LEN 20 /* struct virtio_pci_notify_cap */

/* common configuration (spec 4.1.4.3) */
#define VCOMMON_DFSELECT 0x00
#define VCOMMON_DF 0x04
#define VCOMMON_GFSELECT 0x08
#define VCOMMON_GF 0x0c
#define VCOMMON_MSIX 0x10
#define VCOMMON_NUMQ 0x12
#define VCOMMON_STATUS 0x14
#define VCOMMON_CFGGEN 0x15
#define VCOMMON_Q_SELECT 0x16
#define VCOMMON_Q_SIZE 0x18
#define VCOMMON_Q_MSIX 0x1a
#define VCOMMON_Q_ENABLE 0x1c
#define VCOMMON_Q_NOFF 0x1e
#define VCOMMON_Q_DESCLO 0x20
#define VCOMMON_Q_DESCHI 0x24
#define VCOMMON_Q_AVAILLO 0x28
#define VCOMMON_Q_AVAILHI 0x2c
#define VCOMMON_Q_USEDLO 0x30
#define VCOMMON_Q_USEDHI 0x34
#define VCOMMON_SIZE 0x38
#define VIRTIO_MSI_NO_VECTOR 0xffffu

/* device status (spec 2.1) */
#define VIRTIO_STATUS_ACK 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED 128u

/* feature bits (spec 6, 5.1.3) */
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_F_CTRL_VQ 17
#define VIRTIO_NET_F_MQ 22
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33

/* virtio-net (spec 5.1): queues, config space, the per-packet header */
#define VNET_RXQ 0
#define VNET_TXQ 1
#define VNET_CFG_MAC 0	  /* u8[6] */
#define VNET_CFG_STATUS 6 /* le16 */
#define VNET_CFG_MAXQP 8  /* le16 */
#define VNET_CFG_SIZE 12
#define VNET_S_LINK_UP 1u
/* with VIRTIO_NET_F_MQ: pairs 0 .. max_virtqueue_pairs-1 are queues 2i
 * (receive) and 2i+1 (transmit), the control queue is 2 * max (spec
 * 5.1.2); without it the control queue is 2 */
#define VNET_RXQ_OF(pair) (2u * (pair))
#define VNET_TXQ_OF(pair) (2u * (pair) + 1u)
/* the control queue (spec 5.1.6.5): a readable {class, command} header,
 * readable command data, one writable ack byte */
struct virtio_net_ctrl_hdr {
	uint8_t class_, cmd;
};
#define VNET_CTRL_MQ 4		    /* spec 5.1.6.5.5 */
#define VNET_CTRL_MQ_VQ_PAIRS_SET 0 /* data: le16 virtqueue_pairs */
#define VNET_CTRL_MQ_PAIRS_MIN 1u
#define VNET_CTRL_MQ_PAIRS_MAX 0x8000u
#define VNET_CTRL_OK 0
#define VNET_CTRL_ERR 1
struct virtio_net_hdr {
	uint8_t flags, gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset;
	uint16_t num_buffers; /* always there with VIRTIO_F_VERSION_1 (5.1.6) */
};
_Static_assert(sizeof(struct virtio_net_hdr) == 12, "spec 5.1.6");
/* the largest frame without offloads: 1514 + the header, and no more */
#define VNET_FRAME_MAX 1514u

#endif
